"""The secret scan's measuring sets (issue 17): planted credentials that must be caught, and
look-alikes that must not.

Every planted value is made at run time by a seeded RNG, so the set is the same on every run (a
case that fails today fails every day) and no credential is stored in this repository. The values
are fake: random characters in each provider's shape, with the checksum where the format has one
(GitHub's and npm's CRC32), so a checksum-checking detector accepts them too. Each credential sits
in one file (a few files hold a pair); the manifest (`Plant`) says which file, which line, which
kind, and the exact string that must not survive redaction. `tests/test_secret_quality.py` and
`bench/secrets_quality.py` use both sets.
"""

from tests.secretset.lookalikes import LOOKALIKES, Lookalike
from tests.secretset.planted import Plant, planted

__all__ = ["LOOKALIKES", "Lookalike", "Plant", "planted"]

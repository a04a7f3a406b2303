"""The secret scan's recall and precision (issue 17), one case per planted credential and per
look-alike.

Every planted credential must be gone from the redacted text (whole, and any 12 characters of it
past its public prefix); no look-alike may be flagged. A case the scan gets wrong is marked
`xfail(strict=True)` through MISSED or FLAGGED, with why: the detector's to-do list (empty since
issue 17's work), and a case that starts passing fails the suite until its mark is removed.
`bench/secrets_quality.py` prints the same figures, and those for real repositories.
"""

from __future__ import annotations

import string
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from briefpack.secrets import redact, scan_text
from tests.secretset import LOOKALIKES, Lookalike, Plant, planted
from tests.secretset.placements import NAMED
from tests.secretset.values import B62, PEM_LABELS, TOKENS

FILES, PLANTS = planted()

# The cases the scan gets wrong, each with why: a case that starts passing fails the suite (strict
# xfail) until it leaves these lists. Empty since the detector work of issue 17.
MISSED: dict[str, str] = {}  # planted credentials missed
FLAGGED: dict[str, str] = {}  # look-alikes flagged


def _params(items: Iterable[Any], known: Mapping[str, str]) -> list[Any]:
    """One pytest case per item (by its `case` id), xfail where `known` names it."""
    params = []
    for item in items:
        reason = known.get(item.case)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(item, id=item.case, marks=marks))
    return params


@pytest.mark.parametrize("plant", _params(PLANTS, MISSED))
def test_planted_credential_is_redacted(plant: Plant) -> None:
    text = FILES[plant.path]
    redacted = redact(text, scan_text(text, plant.path))
    assert plant.leaks(redacted) == []


@pytest.mark.parametrize("lookalike", _params(LOOKALIKES, FLAGGED))
def test_lookalike_is_left_alone(lookalike: Lookalike) -> None:
    found = scan_text(lookalike.text, lookalike.path)
    assert [(f.line, f.kind, lookalike.text[f.start : f.end]) for f in found] == []


def test_the_to_do_lists_name_real_cases() -> None:
    assert set(MISSED) <= {p.case for p in PLANTS}
    assert set(FLAGGED) <= {c.case for c in LOOKALIKES}


def test_the_planted_set_is_large_varied_and_stable() -> None:
    """At least 60 credentials of at least 25 kinds (issue 17), every provider token in a named
    and a bare placement, every named placement used, each file type, the same on every run."""
    assert len(PLANTS) >= 60 and len({p.kind for p in PLANTS}) >= 25
    assert len({p.case for p in PLANTS}) == len(PLANTS)
    placements = Counter(p.case.split("@")[1] for p in PLANTS)
    assert set(NAMED) <= set(placements)
    for kind in TOKENS:
        assert sum(p.kind == kind for p in PLANTS) >= 3, kind
    endings = {p.path.rsplit(".", 1)[-1] for p in PLANTS}
    assert {"env", "py", "yml", "json", "toml", "js", "ts", "ipynb", "md", "sh", "txt"} <= endings
    assert {f"{kind}-private-key" for kind in PEM_LABELS} <= {p.kind for p in PLANTS}
    assert planted() == (FILES, PLANTS)


def test_the_manifest_points_at_each_secret() -> None:
    for plant in PLANTS:
        text = FILES[plant.path]
        first = plant.secret.split("\n")[0]
        assert first in text.split("\n")[plant.line - 1], plant.case
        assert plant.leaks(text), plant.case


def test_checksummed_tokens_carry_a_valid_checksum() -> None:
    """GitHub's and npm's last six characters are the CRC32 of the thirty before, in base62."""
    for plant in PLANTS:
        if plant.kind.startswith(("github-classic", "github-app", "npm")):
            body, check = plant.secret[4:-6], plant.secret[-6:]
            value = sum(B62.index(c) * 62**i for i, c in enumerate(reversed(check)))
            assert value == zlib.crc32(body.encode()), plant.case
            assert set(body) <= set(string.ascii_letters + string.digits)


def test_the_lookalike_set_is_large_enough() -> None:
    assert len(LOOKALIKES) >= 40  # issue 17: at least 40 look-alikes
    assert len({c.case for c in LOOKALIKES}) == len(LOOKALIKES)


def test_a_leak_is_any_window_of_the_secret_past_its_prefix() -> None:
    plant = Plant("x@y", "p", "k", "a.py", 1, "ghp_" + "A" * 10 + "B" * 26, public=4)
    assert plant.leaks("token = [redacted: github-token]") == []
    assert plant.leaks("ghp_ and ghp_AAAA") == []  # the public prefix alone is no leak
    assert plant.leaks("tail: " + "B" * 12) == ["B" * 12] * 15
    assert plant.leaks("x" + plant.secret) == [plant.secret]

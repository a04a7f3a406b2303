"""What a match must look like to count as a secret (briefpack.secrets.values, issue 17): the
checksum of GitHub's and npm's tokens, published examples and placeholders.

Values are made fresh for each run: no credential is stored here.
"""

from __future__ import annotations

import random
import string

import pytest

from briefpack.secrets.scan import scan_text
from briefpack.secrets.values import AZURITE_KEY, checksum_ok, plausible_token
from tests.secretset.values import Rand, checksummed

ALNUM = string.ascii_letters + string.digits
RNG = random.SystemRandom()


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def kinds(text: str, path: str = "a.py") -> list[str]:
    return [f.kind for f in scan_text(text, path)]


@pytest.mark.parametrize("prefix", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"])
def test_a_github_token_needs_its_crc32(prefix: str) -> None:
    token = checksummed(Rand(RNG.randrange(1 << 30)), prefix)
    assert checksum_ok(token) and plausible_token(token)
    flipped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    assert not checksum_ok(flipped) and not plausible_token(flipped)
    assert not checksum_ok(token[:-1])  # one digit short
    assert not plausible_token(prefix + "x" * 36)  # a placeholder fails the checksum too
    assert kinds(f"# the bot uses {token} for now\n") == ["github-token"]
    assert kinds(f"# the bot uses {flipped} for now\n") == []


def test_an_npm_token_is_checked_where_it_sits_in_the_match() -> None:
    """detect-secrets' npm rule matches the whole `.npmrc` line: the token inside is checked."""
    token = checksummed(Rand(RNG.randrange(1 << 30)), "npm_")
    assert plausible_token(f"//registry.npmjs.org/:_authToken={token}")
    assert not plausible_token(f"//registry.npmjs.org/:_authToken={token[:-1]}Q")
    assert kinds(f"//registry.npmjs.org/:_authToken={token}\n", ".npmrc") != []


def test_published_examples_and_runs_are_no_tokens() -> None:
    assert not plausible_token("AKIAIOSFODNN7EXAMPLE")
    assert not plausible_token("AKIA" + "A" * 16)
    assert not plausible_token(f"AccountKey={AZURITE_KEY}")
    assert plausible_token("AKIA" + rand(16, string.ascii_uppercase + "234567"))
    assert kinds("# AKIAIOSFODNN7EXAMPLE\n") == []
    assert kinds("hook: https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXX\n") == []

"""What a matched value must look like to count as a secret (issue 17: precision without losing
recall).

- A provider token must carry a valid checksum where its format has one (GitHub's and npm's
  CRC32), and be neither a published example nor a placeholder.
"""

from __future__ import annotations

import re
import zlib

# Provider tokens
CHECKSUMMED = re.compile(r"(?<![A-Za-z0-9])(?:gh[pousr]|npm)_")
CHECKSUM_SHAPE = re.compile(r"(?:gh[pousr]|npm)_([A-Za-z0-9]{30})([A-Za-z0-9]{6})(?![A-Za-z0-9])")
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Azurite's (the Azure Storage emulator's) account key, the same in every installation and
# published in Microsoft's documentation.
AZURITE_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
NOT_A_TOKEN = re.compile(rf"EXAMPLE|(.)\1{{7,}}|{re.escape(AZURITE_KEY)}")


def plausible_token(text: str) -> bool:
    """A provider token (in `text`, the rule's whole match) that may be live: a valid checksum
    where the format has one (GitHub's `ghp_`..., npm's `npm_`), else no published example
    (AWS's `...EXAMPLE`, Azurite's key) and no placeholder (a run of one character)."""
    prefix = CHECKSUMMED.search(text)
    if prefix:
        return checksum_ok(text, prefix.start())
    return not NOT_A_TOKEN.search(text)


def checksum_ok(text: str, at: int = 0) -> bool:
    """GitHub's format (npm's too), at `at` in `text`: the prefix, 30 random base62 characters,
    then their CRC32 in 6 base62 digits."""
    match = CHECKSUM_SHAPE.match(text, at)
    if not match:
        return False
    body, check = match.groups()
    value = 0
    for c in check:
        value = value * 62 + BASE62.index(c)
    return value == zlib.crc32(body.encode())

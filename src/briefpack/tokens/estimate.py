"""Estimated token counts, for planning what goes into a brief before anything is counted: a
file's characters over what a token takes in its language, plus its heading and fence.

Only what a brief emits needs an exact count: a fitted build plans on these, then counts the
text it chose (brief/fit.py). An estimate is a pure function of the path and the text, so a
build from caches plans exactly as one without them.

Characters per token were measured with o200k_base over every text file of the relevance
benchmark's tuning repositories and Django (19,600 files; cl100k_base is within 3%): together
they count 1.00 of their estimate; a repository 0.90 to 1.20; a file 0.79 to 1.30 (19 in 20),
0.97 at the median (`bench/estimates.py` measures it). The fit corrects what its plan missed
once it has counted what it chose.
"""

from __future__ import annotations

import math

_CHARS_PER_TOKEN = {
    "py": 4.0,
    "pyi": 4.0,
    "js": 3.6,
    "mjs": 3.6,
    "cjs": 3.6,
    "jsx": 3.6,
    "ts": 4.0,
    "mts": 3.6,
    "cts": 3.6,
    "tsx": 4.2,
    "md": 4.0,
    "rst": 4.1,
    "txt": 4.2,
    "po": 3.3,
    "pot": 3.5,
    "json": 3.4,
    "html": 3.8,
    "yaml": 3.0,
    "yml": 3.0,
    "css": 3.1,
    "scss": 3.5,
    "svg": 2.0,
    "toml": 3.4,
    "xml": 3.8,
}
_DEFAULT = 3.6  # what the measured files averaged, every kind together
_HEADING = 20  # characters a file's segment adds to its path: heading, fence, blank lines
LOW = 0.6  # a set of files counts at least this share of its estimate (one file in a hundred
# counted under 0.68 of its own; a repository's files together at least 0.90 of theirs)
HIGH = 1.4  # and seldom more than this (a repository's at most 1.20; a file's, 1 in 100 over 1.62)


def estimate(path: str, text: str) -> int:
    """About the tokens of `path`'s segment in full text."""
    name = path.rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    per = _CHARS_PER_TOKEN.get(ext, _DEFAULT)
    return math.ceil(len(text) / per + (len(path) + _HEADING) / 3)


def surely_over(estimated: int, room: int) -> bool:
    """Whether files estimated at `estimated` tokens in all are over `room` whatever their exact
    count, so that no file need be counted to know it."""
    return estimated * LOW > room

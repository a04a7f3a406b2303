"""The last rankings and fits of a repository, by everything that decides them: a warm build
(nothing changed, same goal and budget) takes its files' ranks and levels from here instead of
ranking and planning again. Keyed by the digests of every segment's text, the query, the budget,
the settings that shape a fit and the code that makes it, so any change misses. One file a fit
(a repository's folder keeps the KEPT last written): a miss costs one failed open, and a fit
remembered writes its own entry only (not the others': 2.7 MB for Django's 16)."""

from __future__ import annotations

import hashlib
import importlib
import json
import marshal
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from briefpack.select.ladder import Level
from briefpack.select.rank import Ranked
from briefpack.tokens.store import cache_dir, write_atomic

KEPT = 16  # fits remembered per repository
VERSION = 2  # 2: one file a fit


@dataclass(frozen=True)
class Remembered:
    """A ranking, and (over budget) each file's level and the tree's detail."""

    ranks: list[Ranked]
    levels: dict[str, Level]
    detail: int
    notices: tuple[str, ...] = ()  # what the fit said (outlines that could not be made)


def fit_key(parts: Sequence[object], digests: Sequence[str]) -> str:
    """The key of a fit: what decides it (`parts`, JSON-able) and the segments' digests."""
    h = hashlib.sha256(json.dumps([VERSION, _code(), *parts], sort_keys=True, default=str).encode())
    for d in digests:
        h.update(d.encode("utf-8", "surrogatepass"))  # a path may not be UTF-8
    return h.hexdigest()[:32]


def recall(root: Path, key: str) -> Remembered | None:
    """The fit remembered under `key`, or None (also for a missing or corrupt entry)."""
    entry = _read(_folder(root) / f"{key}.marshal")
    try:
        ranks = [Ranked(p, int(r), float(s), tuple(w)) for p, r, s, w in entry["ranks"]]
        said = tuple(str(n) for n in entry["notices"])
        return Remembered(ranks, dict(entry["levels"]), int(entry["detail"]), said)
    except (TypeError, KeyError, ValueError):
        return None


def remember(root: Path, key: str, fit: Remembered) -> None:
    """Keep this fit (and the KEPT - 1 most recently written others)."""
    entry = {
        "ranks": [(r.path, r.rank, r.score, list(r.reasons)) for r in fit.ranks],
        "levels": dict(fit.levels),
        "detail": fit.detail,
        "notices": list(fit.notices),
    }
    _keep(root, key, entry)


def _keep(root: Path, key: str, entry: Any) -> None:
    """Write `entry` under `key`, and prune the folder to the KEPT most recently written."""
    folder = _folder(root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{key}.marshal", marshal.dumps(entry))
        kept = sorted(folder.glob("*.marshal"), key=lambda p: p.stat().st_mtime_ns)
        for old in [*kept[:-KEPT], folder.with_suffix(".marshal")]:  # (version 1: one file)
            old.unlink(missing_ok=True)
    except (OSError, ValueError):
        pass  # an unwritable cache only costs time on the next run


def rank_key(parts: Sequence[Any]) -> str:
    """The key of a ranking made of `parts` (marshal-able), by this code."""
    return "ranks-" + hashlib.sha256(marshal.dumps([_code(), *parts])).hexdigest()[:32]


def recall_ranks(root: Path, key: str) -> list[Ranked] | None:
    """The ranking kept under `key` (rank_key), or None."""
    rows = _read(_folder(root) / f"{key}.marshal")
    try:
        return [Ranked(p, r, s, tuple(w)) for p, r, s, w in rows]
    except (TypeError, ValueError):
        return None


def remember_ranks(root: Path, key: str, ranks: Sequence[Ranked]) -> None:
    """Keep a ranking under `key` (pruned with the fits: the KEPT last written are kept)."""
    _keep(root, key, [(r.path, r.rank, r.score, r.reasons) for r in ranks])


def _folder(root: Path) -> Path:
    key = hashlib.sha1(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return cache_dir() / "fits" / key


def _read(path: Path) -> Any:
    try:
        return marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None


@cache
def _code() -> str:
    """The code that ranks and fits: a change to it is a miss (read once a process: a build
    keys its fit and its ranking by it)."""
    h = hashlib.sha256()
    for name in _CODE:
        h.update(Path(importlib.import_module(name).__file__ or "").read_bytes())
    return h.hexdigest()


_CODE = [
    "briefpack.brief.choose",
    "briefpack.brief.fit",
    "briefpack.brief.outlines",
    "briefpack.brief.ranking",
    "briefpack.brief.tree",
    # what makes each file's segment, and so its count: the key takes files by their texts
    "briefpack.brief.render",
    "briefpack.brief.langs",
    "briefpack.brief.parts",
    "briefpack.tokens.estimate",  # what the fit plans on
    *(
        f"briefpack.select.{m}"
        for m in (
            "central",
            "kinds",
            "ladder",
            "outline",
            "past",
            "profile",
            "rank",
            "terms",
            "treesit",
        )
    ),
]

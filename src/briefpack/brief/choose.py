"""Choosing what goes into a brief: rank its code files, and over budget fit them by the ladder;
a ranking and fit seen before (same texts, query, budget and settings) are taken as they were."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from briefpack.brief.config import Config
from briefpack.brief.fit import fit, refit
from briefpack.brief.fitcache import Remembered, fit_key, recall, remember
from briefpack.brief.parts import Brief, Segment
from briefpack.brief.ranking import (
    commit_history,
    pinned_paths,
    query_text,
    rank_brief,
    recent_changes,
)
from briefpack.select.ladder import Level
from briefpack.select.profile import OutlineCache
from briefpack.select.rank import Ranked
from briefpack.tokens.progress import SILENT, Progress


@dataclass(frozen=True)
class Chosen:
    """The brief as it goes out, with each code file's rank and level."""

    brief: Brief
    segments: tuple[Segment, ...]
    counts: list[int]
    ranks: list[Ranked]
    levels: dict[str, Level] = field(default_factory=dict)
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Counting:
    """How to count: exact counts of segments, and each text's digest."""

    count: Callable[[Sequence[Segment]], list[int]]
    digest: Callable[[str], str]


def choose(
    root: Path,
    brief: Brief,
    segments: tuple[Segment, ...],
    counts: list[int],
    *,
    config: Config,
    budget: int,
    counting: Counting,
    staged: bool,
    encoding: str,
    progress: Progress = SILENT,
) -> Chosen:
    """Rank `brief`'s files and, over budget (with `fit`), step them down the ladder."""
    progress.start("ranking", len(brief.files))
    goal_free = not query_text(brief).strip()
    recent = recent_changes(root) if goal_free and not staged else None
    history = commit_history(root, sweeps=False) if not goal_free and not staged else ()
    over = config.fit and sum(counts) > budget
    key = fit_key(
        [
            query_text(brief),
            budget,
            over,
            config.style,
            config.full,
            config.priority,
            recent,
            [sorted(files) for files in history],
            encoding,
            sorted(brief.changed),
        ],
        [counting.digest(s.text) for s in segments],
    )
    seen = recall(root, key) if config.cache else None
    if seen is None:
        ranked = rank_brief(root, brief, config, recent=recent, history=history, progress=progress)
    else:
        ranked = seen.ranks
        progress.advance(len(brief.files))
    if not over:
        if config.cache and seen is None:
            remember(root, key, Remembered(ranked, {}, 2))
        return Chosen(brief, segments, counts, ranked)
    outlines = OutlineCache.for_root(root) if config.cache else None
    full = {
        s.path: n
        for s, n in zip(segments, counts, strict=True)
        if s.section == "files" and s.path is not None
    }
    order = [r.path for r in ranked if r.path in full]
    fitted = None
    if seen is not None and seen.levels:
        fitted = refit(
            brief,
            full,
            order,
            seen.levels,
            detail=seen.detail,
            budget=budget,
            style=config.style,
            count=counting.count,
            outlines=outlines,
            progress=progress,
        )
        fitted = fitted and replace(fitted, notices=seen.notices)
    if fitted is None:
        fitted = fit(
            brief,
            full,
            order,
            budget=budget,
            style=config.style,
            count=counting.count,
            pinned=pinned_paths(list(full), config),
            scores={r.path: r.score for r in ranked},
            outlines=outlines,
            progress=progress,
        )
        if config.cache and not fitted.context_down:
            remember(root, key, Remembered(ranked, fitted.levels, fitted.detail, fitted.notices))
    if outlines is not None:
        outlines.save()
    return Chosen(
        fitted.brief, fitted.segments, fitted.counts, ranked, fitted.levels, fitted.notices
    )

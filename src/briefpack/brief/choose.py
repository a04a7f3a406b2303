"""Choosing what goes into a brief: rank its code files, and over budget fit them by the ladder;
a ranking and fit seen before (same texts, query, budget and settings) are taken as they were.

Files are counted exactly only when the brief may fit whole: one surely over its budget (by the
files' estimates, tokens/estimate.py) is planned on estimates and counts only what it emits.
Unread files (parts.Unread: a memo's, for a snapshot or a fitted build) are ranked and placed by
what the memo knew of them, and read only to go in in full (or, if the brief may fit whole,
every one). A brief that fits whole is ranked only when its ranks are asked for."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from briefpack.brief.config import Config
from briefpack.brief.fit import fit, refit
from briefpack.brief.fitcache import Remembered, fit_key, recall, remember
from briefpack.brief.guard import keeps_texts
from briefpack.brief.parts import Brief, ReadTexts, Segment, Unread
from briefpack.brief.ranking import (
    commit_history,
    pinned_paths,
    query_text,
    rank_brief,
    recent_changes,
)
from briefpack.brief.render import render
from briefpack.select.ladder import Level
from briefpack.select.past import Commit
from briefpack.select.profile import OutlineCache
from briefpack.select.rank import Ranked
from briefpack.tokens.estimate import estimate, surely_over
from briefpack.tokens.progress import SILENT, Progress


@dataclass(frozen=True)
class Chosen:
    """The brief as it goes out, with each code file's rank and level."""

    brief: Brief
    segments: tuple[Segment, ...]
    counts: list[int]
    ranks: Callable[[], list[Ranked]]  # made when first asked for
    levels: dict[str, Level] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    # each code file's tokens in full text: counted when the brief fits whole, else estimated
    full: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Counting:
    """How to count: exact counts of segments, each text's digest, and the brief's counts
    told to a progress display."""

    count: Callable[[Sequence[Segment]], list[int]]
    digest: Callable[[str], str]
    told: Callable[[Sequence[Segment], Progress], list[int]]  # `count`, telling `progress`


def choose(
    root: Path,
    brief: Brief,
    segments: tuple[Segment, ...],
    *,
    config: Config,
    budget: int,
    counting: Counting,
    staged: bool,
    encoding: str,
    progress: Progress = SILENT,
    read: ReadTexts | None = None,
) -> Chosen:
    """Rank `brief`'s files and count its segments; over budget (with `fit`), step the files
    down the ladder. `read`: the texts of unread files (parts.Unread), when one must go in in
    full. The ranking is made when first needed: over budget, or when its ranks are shown (a
    brief that fits whole needs none); a snapshot's comes first, while the hook's tokenizer
    child is still loading."""
    unread = [d for d in brief.files if isinstance(d, Unread)]
    lazy = _Ranking(root, brief, segments, config, budget, counting, encoding, staged)
    lazy.progress, lazy.read = progress, read
    if staged:
        lazy.ranks()  # now, while the hook's tokenizer child is still loading
    estimated = {
        d.path: d.tokens if isinstance(d, Unread) else estimate(d.path, d.text) for d in brief.files
    }
    if not (config.fit and _surely_over(estimated, segments, budget, counting)):
        # it may fit whole: every text is counted (and read, if unread) to know
        if unread:
            assert read is not None, "unread files come with a way to read them"
            texts = read([d.path for d in unread])
            brief = replace(brief, files=tuple(texts.get(d.path, d) for d in brief.files))
            segments = render(brief, config.style)
        counts = counting.told(segments, progress)
        if not (config.fit and sum(counts) > budget):
            lazy.settle(brief)
            full = _full_tokens(brief, segments, counts, counting, config.style)
            return Chosen(brief, segments, counts, lazy.ranks, full=full)
    ranked = lazy.ranks()
    seen = lazy.seen
    outlines = OutlineCache.for_root(root) if keeps_texts(config) else None
    order = [r.path for r in ranked if r.path in estimated]
    fitted = None
    if seen is not None and seen.levels:
        fitted = refit(
            brief,
            estimated,
            order,
            seen.levels,
            detail=seen.detail,
            budget=budget,
            style=config.style,
            count=counting.count,
            outlines=outlines,
            progress=progress,
            read=read,
            told=counting.told,
        )
        fitted = fitted and replace(fitted, notices=seen.notices)
    if fitted is None:
        fitted = fit(
            brief,
            estimated,
            order,
            budget=budget,
            style=config.style,
            count=counting.count,
            pinned=pinned_paths(list(estimated), config),
            scores={r.path: r.score for r in ranked},
            outlines=outlines,
            progress=progress,
            read=read,
            told=counting.told,
        )
        if config.cache and not fitted.context_down:
            remember(
                root, lazy.key, Remembered(ranked, fitted.levels, fitted.detail, fitted.notices)
            )
    if outlines is not None:
        outlines.save()
    return Chosen(
        fitted.brief,
        fitted.segments,
        fitted.counts,
        lazy.ranks,
        fitted.levels,
        fitted.notices,
        estimated,
    )


def _full_tokens(
    brief: Brief,
    segments: Sequence[Segment],
    counts: Sequence[int],
    counting: Counting,
    style: str,
) -> dict[str, int]:
    """Each code file's tokens in full text, in brief order: its segment's count as rendered
    anywhere but last (in Markdown, the last segment has no blank line after it)."""
    counted = {
        s.path: n
        for s, n in zip(segments, counts, strict=True)
        if s.section == "files" and s.path is not None
    }
    last = segments[-1] if segments else None
    if style == "markdown" and last is not None and last.path in counted:
        counted[last.path] = counting.count([Segment("files", last.text + "\n", last.path)])[0]
    return {d.path: counted[d.path] for d in brief.files}


def _surely_over(
    estimated: dict[str, int], segments: Sequence[Segment], budget: int, counting: Counting
) -> bool:
    """Whether the brief is over `budget` whatever its files count exactly: their estimates
    and the exact count of the rest (headings, notes, the tree) tell, so that a brief fitted
    by the ladder counts only what it emits."""
    rest = [s for s in segments if s.section != "files" or s.path is None]
    return surely_over(sum(estimated.values()), budget - sum(counting.count(rest)))


_BY_FILE = ("files", "tree")  # segments the fit's key takes by each code file's digest


@dataclass
class _Ranking:
    """The ranking of a brief's files, with its inputs from git and its entry in the fit cache,
    each made once and only when first needed: a brief that fits whole needs none of them,
    unless `ls`, `stats` or a snapshot's manifest shows the ranks."""

    root: Path
    brief: Brief  # as ranked: its unread files may be read meanwhile (same digests)
    segments: Sequence[Segment]  # as first rendered: with the files' digests, the fit's key
    config: Config
    budget: int
    counting: Counting
    encoding: str
    staged: bool
    progress: Progress = SILENT
    read: ReadTexts | None = None
    keep: bool = False  # keep a ranking made from now on in the fit cache, with no levels
    made: list[Ranked] | None = None

    @functools.cached_property
    def history(self) -> tuple[dict[str, int] | None, Sequence[Commit]]:
        """Recent changes (goal-free) or past commits (with a goal): from git, not staged."""
        if self.staged:
            return None, ()
        if not query_text(self.brief).strip():
            return recent_changes(self.root), ()
        return None, commit_history(self.root, sweeps=False)

    @functools.cached_property
    def key(self) -> str:
        recent, history = self.history
        return fit_key(
            [
                query_text(self.brief),
                self.budget,
                self.config.fit,
                self.config.style,
                self.config.full,
                self.config.priority,
                recent,
                [[sorted(c.files), c.message] for c in history],
                self.encoding,
                sorted(self.brief.changed),
            ],
            # each code file by its text's digest, read or not (a warm build leaves unread
            # what a cold one read: the same fit); the tree, drawn from the files read, aside
            [self.counting.digest(s.text) for s in self.segments if s.section not in _BY_FILE]
            + [
                f"{d.path}\0{d.digest if isinstance(d, Unread) else self.counting.digest(d.text)}"
                for d in self.brief.files
            ],
        )

    @functools.cached_property
    def seen(self) -> Remembered | None:
        return recall(self.root, self.key) if self.config.cache else None

    def settle(self, brief: Brief) -> None:
        """The brief fits whole: a ranking made already (a snapshot's) is kept in the fit
        cache, as is one made later, when it is asked for."""
        self.brief, self.keep = brief, True
        if self.made is not None and self.seen is None and self.config.cache:
            remember(self.root, self.key, Remembered(self.made, {}, 2))

    def ranks(self) -> list[Ranked]:
        if self.made is not None:
            return self.made
        if self.seen is not None:
            self.made = self.seen.ranks
            return self.made
        self.progress.start("ranking", len(self.brief.files))
        recent, history = self.history
        self.made = rank_brief(
            self.root,
            self.brief,
            self.config,
            recent=recent,
            history=history,
            progress=self.progress,
            read=self.read,
        )
        if self.keep and self.config.cache:
            remember(self.root, self.key, Remembered(self.made, {}, 2))
        return self.made

"""The pipeline: config → discover → gather (read) → scan → render → count, as one call per brief."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from briefpack.brief import Brief, Segment, render, text_of
from briefpack.config import Config, Settings, load_settings
from briefpack.discover import Skip, discover, sort_key
from briefpack.errors import BriefpackError, OverBudgetError
from briefpack.fit import drop_order, next_drops
from briefpack.gather import Reader, gather
from briefpack.guard import ScanCache, guard_brief
from briefpack.memo import Memo, Read
from briefpack.models import ModelInfo, budget_for, resolve_model
from briefpack.presets import resolve_format
from briefpack.secrets import Finding
from briefpack.staged import index_entries
from briefpack.tokens import TokenCache, TokenCounter


@dataclass(frozen=True)
class Assembled:
    """A brief read, scanned and rendered, not yet counted."""

    settings: Settings
    model: ModelInfo
    brief: Brief
    segments: tuple[Segment, ...]
    skipped: tuple[Skip, ...]
    notices: tuple[str, ...]
    findings: tuple[Finding, ...]
    root: Path
    reads: Mapping[str, tuple[str, Read]]

    @functools.cached_property
    def text(self) -> str:
        """The segments joined, made once and only when asked for: a snapshot writes their
        UTF-8 instead, and joining a large brief is not free."""
        return text_of(self.segments)


@dataclass(frozen=True)
class Built(Assembled):
    """A brief rendered and counted, with everything the summary and `ls`/`stats` need
    (`--fit` may have left files out of what was assembled)."""

    counts: tuple[int, ...]
    budget: int
    encoded_files: int

    @property
    def total(self) -> int:
        """Exact token count of the emitted brief (the sum of its segments' counts)."""
        return sum(self.counts)

    def budget_summary(self) -> str:
        """'total 45,251 / 872,000 tokens (5% of budget) · gpt-5.6-sol · o200k_base'."""
        share = self.total / self.budget if self.budget else 1.0
        return (
            f"total {self.total:,} / {self.budget:,} tokens ({share:.0%} of budget)"
            f" · {self.model.id} · {self.model.encoding}"
        )

    def section_tokens(self) -> dict[str, int]:
        """Tokens per section, in brief order."""
        totals: dict[str, int] = defaultdict(int)
        for segment, count in zip(self.segments, self.counts, strict=True):
            totals[segment.section] += count
        return dict(totals)

    def file_tokens(self) -> list[tuple[str, str, int]]:
        """(section, path, tokens) of every file-carrying segment, in brief order."""
        return [
            (s.section, s.path, n)
            for s, n in zip(self.segments, self.counts, strict=True)
            if s.path is not None
        ]


def resolve_root(path: Path) -> Path:
    """The folder to brief, checked: it must exist and be a folder."""
    if not path.exists():
        raise BriefpackError(f"no such folder: {path}", hint="pass an existing folder as PATH")
    if not path.is_dir():
        raise BriefpackError(f"not a folder: {path}", hint="PATH names the folder to brief")
    return path.resolve()


def build(
    start: Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    unknown_model_ok: bool = False,
    staged: bool = False,
    memo: Memo | None = None,
) -> Built:
    """Build the brief for the folder `start` with flag `overrides` over its config.

    `staged`: from the files and content in git's index (a snapshot of the commit being made);
    `memo`: the last snapshot's blobs, taken instead of read again when unchanged.
    """
    return count(
        assemble(start, overrides, unknown_model_ok=unknown_model_ok, staged=staged, memo=memo)
    )


def assemble(
    start: Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    unknown_model_ok: bool = False,
    staged: bool = False,
    memo: Memo | None = None,
) -> Assembled:
    """Config, discover, read, scan and render: everything but counting (see `build`)."""
    root = resolve_root(start)
    settings = load_settings(root, overrides)
    if settings.config.format.startswith("@"):
        preset = resolve_format(settings.config.format, settings.config.presets)
        settings = replace(settings, config=replace(settings.config, format=preset))
    config = settings.config
    model = resolve_model(config.model, config.models, unknown_ok=unknown_model_ok)
    reader = Reader(root, index_entries(root) if staged else None, memo)
    found = discover(
        root, config, default_excludes=config.default_excludes, candidates=reader.candidates()
    )
    max_size = config.max_file_size if config.default_excludes else None
    never = _snapshot_files(settings, root)
    paths = [p for p in found.paths if p not in never]
    brief, skipped, notices = gather(root, settings, paths, max_size, reader)
    brief, findings = guard_brief(
        brief,
        mode=config.secrets,
        allow_files=config.secrets_allow_files,
        cache=ScanCache.for_root(root) if config.cache else None,
        known=memo.known() if memo is not None else None,
    )
    segments = render(brief, config.style, memo.prior() if memo is not None else None)
    return Assembled(
        settings=settings,
        model=model,
        brief=brief,
        segments=segments,
        skipped=tuple(found.skipped) + tuple(skipped),
        notices=tuple(notices),
        findings=findings,
        root=root,
        reads=reader.reads,
    )


def count(done: Assembled) -> Built:
    """Count the assembled brief exactly (cached by content), leaving files out if `--fit`."""
    config, model = done.settings.config, done.model
    brief, segments = done.brief, done.segments
    cache = TokenCache.for_root(done.root) if config.cache else None
    counter = TokenCounter(model.encoding, cache)
    counts = _count(counter, segments)
    budget = budget_for(model, config.effort, reserve=config.reserve, budget=config.budget)
    if config.fit and sum(counts) > budget:
        brief, segments, counts = _fit(brief, segments, counts, budget, config, counter)
    if cache is not None:
        cache.save()
    return Built(
        settings=done.settings,
        model=model,
        brief=brief,
        segments=segments,
        counts=tuple(counts),
        budget=budget,
        skipped=done.skipped,
        notices=done.notices,
        encoded_files=sum(
            1
            for s in segments
            if s.path is not None and s.tokens is None and counter.was_encoded(s.text)
        ),
        findings=done.findings,
        root=done.root,
        reads=done.reads,
    )


def _count(counter: TokenCounter, segments: Sequence[Segment]) -> list[int]:
    """Each segment's count: known already (reused from the last snapshot), or counted."""
    todo = [s.text for s in segments if s.tokens is None]
    counted = iter(counter.count(todo))
    return [s.tokens if s.tokens is not None else next(counted) for s in segments]


def _fit(
    brief: Brief,
    segments: tuple[Segment, ...],
    counts: list[int],
    budget: int,
    config: Config,
    counter: TokenCounter,
) -> tuple[Brief, tuple[Segment, ...], list[int]]:
    """Leave code files out until the exact total fits; the brief lists what was left out."""
    tokens = {
        s.path: n
        for s, n in zip(segments, counts, strict=True)
        if s.section == "files" and s.path is not None
    }
    order = drop_order(list(tokens.items()), config.priority)
    dropped: list[str] = []
    while sum(counts) > budget:
        # each path listed in the note costs a few tokens: ask for a little more than the excess
        taken = next_drops(order, tokens, sum(counts) - budget + 8 * (len(dropped) + 1))
        if not taken:
            raise OverBudgetError(
                f"even with every code file left out the brief is {sum(counts):,} tokens, "
                f"over the budget of {budget:,}",
                hint="trim the notes, schema or about file, or raise --budget",
            )
        order = order[len(taken) :]
        dropped += taken
        gone = set(dropped)
        brief = replace(
            brief,
            files=tuple(d for d in brief.files if d.path not in gone),
            left_out=tuple(sorted(dropped, key=sort_key)),
        )
        segments = render(brief, config.style)
        counts = _count(counter, segments)
    return brief, segments, counts


def _snapshot_files(settings: Settings, root: Path) -> set[str]:
    """The snapshot and its manifest, relative to `root`: never part of a brief."""
    snapshot = (settings.root / settings.config.snapshot_path).resolve()
    found = set()
    for path in (snapshot, snapshot.with_suffix(".json")):
        if path.is_relative_to(root):
            found.add(path.relative_to(root).as_posix())
    return found

"""The pipeline: config → discover → gather (read) → scan → render → count, as one call per brief."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from briefpack.brief.choose import Counting, choose
from briefpack.brief.config import Settings, load_settings
from briefpack.brief.discover import Skip, discover
from briefpack.brief.gather import config_folder_files, gather, snapshot_files
from briefpack.brief.guard import guard_brief, keeps_texts
from briefpack.brief.memo import Memo, Read, StaleMemo
from briefpack.brief.parts import Brief, Doc, ReadTexts, Segment, Unread
from briefpack.brief.presets import resolve_format
from briefpack.brief.reader import Reader, unread_texts
from briefpack.brief.render import render, text_of
from briefpack.brief.staged import index_entries
from briefpack.brief.worktree import forget_worktree, load_worktree, save_worktree
from briefpack.errors import BriefpackError
from briefpack.secrets.guard import ScanCache
from briefpack.secrets.scan import Finding
from briefpack.select.ladder import Level
from briefpack.select.rank import Ranked
from briefpack.tokens.count import TokenCache, TokenCounter, digest
from briefpack.tokens.models import ModelInfo, budget_for, resolve_model
from briefpack.tokens.progress import SILENT, Progress


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
    staged: bool  # from git's index: a snapshot
    # reads the texts of unread files (parts.Unread), for `choose`
    texts: ReadTexts | None = field(default=None, kw_only=True, repr=False, compare=False)
    memo: Memo | None = field(default=None, kw_only=True, repr=False, compare=False)
    own: Mapping[str, tuple[Finding, ...]] = field(default_factory=dict, kw_only=True, repr=False)

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
    ranking: Callable[[], Sequence[Ranked]] = field(default=tuple, repr=False, compare=False)
    levels: Mapping[str, Level] = field(default_factory=dict)  # code files: full/outline/path
    full: Mapping[str, int] = field(default_factory=dict)  # code files' tokens in full text
    # with a memo (a snapshot's, a work tree's), the code files not in full: their texts'
    # digests (what the memo keeps of them)
    digests: Mapping[str, str] = field(default_factory=dict)

    @functools.cached_property
    def ranks(self) -> Mapping[str, Ranked]:
        """Each code file's rank, by path; made when first asked for (a brief that fits
        whole needs none to be built)."""
        return {r.path: r for r in self.ranking()}

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

    def file_tokens(self) -> tuple[tuple[str, str, int], ...]:
        """(section, path, tokens) of every file-carrying segment, in brief order."""
        return self._file_tokens

    @functools.cached_property
    def _file_tokens(self) -> tuple[tuple[str, str, int], ...]:  # asked for three times a build
        return tuple(
            (s.section, s.path, n)
            for s, n in zip(self.segments, self.counts, strict=True)
            if s.path is not None
        )


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
    progress: Progress = SILENT,
) -> Built:
    """Build the brief for the folder `start` with flag `overrides` over its config.

    `staged`: from the files and content in git's index (a snapshot of the commit being made);
    `memo`: the last snapshot's blobs, taken instead of read again when unchanged (a work
    tree's build takes its own memo, brief/worktree.py, and saves it after);
    `progress`: told each stage and how far it got (for a display; the default says nothing).
    """

    def attempt(worktree: bool) -> tuple[Assembled, Built]:
        done = assemble(
            start,
            overrides,
            unknown_model_ok=unknown_model_ok,
            staged=staged,
            memo=memo,
            progress=progress,
            worktree=worktree,
        )
        return done, count(done, progress)

    try:
        done, built = attempt(worktree=not staged)
    except StaleMemo:  # a file changed under its old stat: the memo is dropped, made anew
        if staged:
            raise  # the snapshot builds again without its memo
        forget_worktree(resolve_root(start))
        try:
            done, built = attempt(worktree=True)
        except StaleMemo:  # another build wrote one meanwhile
            done, built = attempt(worktree=False)
    if done.memo is not None and not staged:
        save_worktree(done.memo, built, done.reads, done.own)
    return built


def assemble(
    start: Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    unknown_model_ok: bool = False,
    staged: bool = False,
    memo: Memo | None = None,
    progress: Progress = SILENT,
    worktree: bool = False,
) -> Assembled:
    """Config, discover, read, scan and render: everything but counting (see `build`).
    `worktree`: take unchanged files as the last build knew them (brief/worktree.py)."""
    root = resolve_root(start)
    settings = load_settings(root, overrides)
    if settings.config.format.startswith("@"):
        preset = resolve_format(settings.config.format, settings.config.presets)
        settings = replace(settings, config=replace(settings.config, format=preset))
    config = settings.config
    model = resolve_model(config.model, config.models, unknown_ok=unknown_model_ok)
    whole = False
    if worktree and memo is None and not staged and keeps_texts(config):
        room = budget_for(model, config.effort, reserve=config.reserve, budget=config.budget)
        memo, whole = load_worktree(root, config, room if config.fit else None)
    progress.start("discovering")
    entries = index_entries(root) if staged else None
    found = discover(
        root,
        config,
        default_excludes=config.default_excludes,
        candidates=None if entries is None else list(entries),
        stamps=memo is not None and bool(memo.rows) and not staged,  # to key the memo by
    )
    reader = Reader(root, entries, memo, whole=whole, stamped=found.stamps)
    max_size = config.max_file_size if config.default_excludes else None
    never = snapshot_files(settings, root)
    paths = [p for p in found.paths if p not in never]
    paths += [p for p in config_folder_files(settings, root, staged=staged) if p not in never]
    brief, skipped, notices = gather(root, settings, paths, max_size, reader, progress)
    scans = ScanCache.for_root(root) if config.cache else None
    own: dict[str, tuple[Finding, ...]] = {}  # each code file's findings, for the memo
    brief, findings = guard_brief(
        brief,
        mode=config.secrets,
        allow_files=config.secrets_allow_files,
        cache=scans,
        known=memo.known() if memo is not None else None,
        progress=progress,
        per_file=own,
    )
    progress.start("rendering")
    docs = tuple(d for d in brief.files if isinstance(d, Doc))  # unread files are chosen first
    segments = render(
        replace(brief, files=docs), config.style, memo.prior() if memo is not None else None
    )
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
        staged=staged,
        texts=unread_texts(reader, brief, settings, scans, max_size),
        memo=memo,
        own=own,
    )


def count(done: Assembled, progress: Progress = SILENT) -> Built:
    """Rank the assembled brief's files and count it exactly (cached by content); over
    budget, step files down the ladder (`fit`, the default) until it fits."""
    config, model = done.settings.config, done.model
    brief, segments = done.brief, done.segments
    cache = TokenCache.for_root(done.root) if config.cache else None
    counter = TokenCounter(model.encoding, cache)
    budget = budget_for(model, config.effort, reserve=config.reserve, budget=config.budget)
    chosen = choose(
        done.root,
        brief,
        segments,
        config=config,
        budget=budget,
        counting=Counting(
            lambda segs: _count(counter, segs),
            counter.key,
            lambda segs, told: _count(counter, segs, told),
        ),
        staged=done.staged,
        encoding=model.encoding,
        progress=progress,
        read=done.texts,
    )
    brief, segments, counts = chosen.brief, chosen.segments, chosen.counts
    levels, ranked, notices = chosen.levels, chosen.ranks, done.notices + chosen.notices
    if cache is not None:
        cache.save()
    final = {d.path: levels.get(d.path, "full") for d in brief.files}
    final |= {d.path: "outline" for d in brief.outlines}
    final |= dict.fromkeys(brief.path_only or {}, "path")
    return Built(
        settings=done.settings,
        model=model,
        brief=brief,
        segments=segments,
        counts=tuple(counts),
        budget=budget,
        skipped=done.skipped,
        notices=notices,
        encoded_files=sum(
            1
            for s in segments
            if s.path is not None and s.tokens is None and counter.was_encoded(s.text)
        ),
        findings=done.findings,
        root=done.root,
        reads=done.reads,
        staged=done.staged,
        ranking=ranked,
        levels=final,
        full=chosen.full,
        digests=_digests(done.brief, final) if done.staged or done.memo is not None else {},
    )


def _digests(brief: Brief, levels: Mapping[str, Level]) -> dict[str, str]:
    """The digest of each code file's text that is not in full (an unread file's is known)."""
    return {
        d.path: d.digest if isinstance(d, Unread) else digest(d.text)
        for d in brief.files
        if levels.get(d.path) != "full"
    }


def _count(
    counter: TokenCounter, segments: Sequence[Segment], progress: Progress = SILENT
) -> list[int]:
    """Each segment's count: known already (reused from the last snapshot), or counted."""
    todo = [s.text for s in segments if s.tokens is None]
    progress.start("counting tokens", len(segments))
    known = [s.tokens for s in segments if s.tokens is not None]
    progress.advance(len(known), sum(known))
    counted = iter(counter.count(todo, progress))
    return [s.tokens if s.tokens is not None else next(counted) for s in segments]

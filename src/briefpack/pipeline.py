"""The pipeline: config → discover → read → count → assemble, as one call per brief."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pathspec

from briefpack.brief import Brief, Doc, Segment, render, text_of
from briefpack.config import Config, Settings, load_settings
from briefpack.discover import Skip, discover, sort_key
from briefpack.errors import BriefpackError, OverBudgetError
from briefpack.fit import drop_order, next_drops
from briefpack.gitcontext import git_changes
from briefpack.guard import ScanCache, guard_brief
from briefpack.memo import Memo, Read
from briefpack.models import ModelInfo, budget_for, resolve_model
from briefpack.presets import resolve_format
from briefpack.read import SourceFile, read_files
from briefpack.schema import run_schema_commands
from briefpack.secrets import Finding
from briefpack.staged import Entry, index_entries, read_staged
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
    reader = _Reader(root, index_entries(root) if staged else None, memo)
    found = discover(
        root, config, default_excludes=config.default_excludes, candidates=reader.candidates()
    )
    max_size = config.max_file_size if config.default_excludes else None
    never = _snapshot_files(settings, root)
    paths = [p for p in found.paths if p not in never]
    brief, skipped, notices = _gather(root, settings, paths, max_size, reader)
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


@dataclass
class _Reader:
    """Reads from the work tree, or (with `entries`) from git's index, taking what the memo
    holds; for a staged build it logs each path's blob and read (for the next memo)."""

    root: Path
    entries: dict[str, Entry] | None
    memo: Memo | None = None
    reads: dict[str, tuple[str, Read]] = field(default_factory=dict)

    def candidates(self) -> list[str] | None:
        return None if self.entries is None else list(self.entries)

    def read(
        self, paths: Sequence[str], max_size: int | None
    ) -> tuple[list[SourceFile], list[Skip]]:
        if self.entries is None:
            return read_files(self.root, paths, max_size=max_size)
        results: dict[str, Read] = {}
        for path in paths:
            held = self.memo.take(path, self.entries[path].ident) if self.memo else None
            if held is not None:
                results[path] = held.read
        rest = [p for p in paths if p not in results]
        files, skipped = read_staged(self.root, self.entries, rest, max_size=max_size)
        results |= {f.path: f for f in files} | {k.path: k for k in skipped}
        self.reads |= {p: (self.entries[p].ident, r) for p, r in results.items()}
        ordered = [results[p] for p in paths if p in results]  # paths' order, as read_files
        return (
            [r for r in ordered if isinstance(r, SourceFile)],
            [r for r in ordered if isinstance(r, Skip)],
        )


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


def _gather(
    root: Path, settings: Settings, paths: Sequence[str], max_size: int | None, reader: _Reader
) -> tuple[Brief, list[Skip], list[str]]:
    config = settings.config
    about_path = _config_relative(settings, root, config.about)
    notes_spec = _spec(config.notes or (f"{config.notes_dir.rstrip('/')}/**",))
    schema_spec = _spec(config.schema)
    include_spec = _spec(config.include)
    roles: dict[str, str] = {}
    skipped: list[Skip] = []
    for path in paths:
        if path == about_path:
            continue
        if notes_spec.match_file(path):
            if _chosen_note(path, config.use_notes):
                roles[path] = "notes"
            else:
                skipped.append(Skip(path, "note not chosen (--note)", "use_notes"))
        elif config.schema and schema_spec.match_file(path):
            roles[path] = "schema"
        elif config.include and not include_spec.match_file(path):
            skipped.append(Skip(path, "not included", "include"))
        else:
            roles[path] = "files"
    files, unread = reader.read(list(roles), max_size)
    skipped.extend(unread)
    notices = [f"{f.path}: {f.note}" for f in files if f.note]
    changes = git_changes(root, diff=config.diff, log=config.log)
    dumps, failures = run_schema_commands(
        config.schema_commands, settings.root, config.schema_timeout
    )
    for failure in failures:
        message = f"schema command failed: {failure.command}: {failure.reason}"
        if config.strict:
            raise BriefpackError(message, hint="fix the command, or drop it from schema_commands")
        notices.append(message + " (the brief goes on without it)")
    by_role: dict[str, list[Doc]] = defaultdict(list)
    for f in files:
        by_role[roles[f.path]].append(Doc(f.path, f.text))
    brief = Brief(
        goal=config.goal,
        format=config.format,
        warnings=config.warnings,
        about=_about(settings, about_path, reader),
        tried=_tried(settings, reader),
        notes=tuple(by_role["notes"]),
        schema=(*by_role["schema"], *dumps),
        files=_ordered(by_role["files"], config, changes.paths),
        changes=changes.docs,
        restate=config.restate,
    )
    return brief, skipped, notices


def _chosen_note(path: str, names: Sequence[str]) -> bool:
    """With `--note NAME`, only notes named so (by path, file name or file stem) go in."""
    name = path.rsplit("/", 1)[-1]
    return not names or any(n in (path, name, name.rsplit(".", 1)[0]) for n in names)


def _ordered(files: Sequence[Doc], config: Config, changed: frozenset[str]) -> tuple[Doc, ...]:
    """`files` (in path order, as discovered), except that what matters most comes last,
    closest to where the model reads best: files matching `priority`, files the goal names,
    files in `--diff`."""
    if not (config.priority or config.goal or changed):
        return tuple(files)
    priority = _spec(config.priority)
    goal = config.goal

    def last(path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        named = path in goal or (len(name) > 3 and name in goal)
        return bool(config.priority and priority.match_file(path)) or named or path in changed

    later = [last(d.path) for d in files]
    return (
        *(d for d, late in zip(files, later, strict=True) if not late),
        *(d for d, late in zip(files, later, strict=True) if late),
    )


def _spec(patterns: Sequence[str]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


def _config_relative(settings: Settings, root: Path, value: str) -> str | None:
    """A config path (relative to the config file's folder) as a path relative to `root`."""
    if not value:
        return None
    full = (settings.root / value).resolve()
    return full.relative_to(root).as_posix() if full.is_relative_to(root) else str(full)


def _read_named(settings: Settings, key: str, value: str, reader: _Reader) -> SourceFile:
    """A file named in config: from the index when reading staged content and it is there."""
    rel = _config_relative(settings, reader.root, value)
    if reader.entries is not None and rel in reader.entries:
        staged, _ = reader.read([rel], None)
        if staged:
            return staged[0]
    full = settings.root / value
    files, skipped = read_files(full.parent, [full.name], max_size=None)
    if not files:
        reason = skipped[0].reason if skipped else "no such file"
        raise BriefpackError(f"{key} = {value!r}: {reason}", hint=f"fix '{key}' in .briefpack.toml")
    return files[0]


def _about(settings: Settings, about_path: str | None, reader: _Reader) -> Doc | None:
    about = settings.config.about
    if not about or about_path is None:
        return None
    return Doc(about_path, _read_named(settings, "about", about, reader).text)


def _tried(settings: Settings, reader: _Reader) -> str:
    config = settings.config
    parts = [config.tried.strip()] if config.tried.strip() else []
    if config.tried_file:
        parts.append(_read_named(settings, "tried_file", config.tried_file, reader).text.strip())
    return "\n\n".join(parts)

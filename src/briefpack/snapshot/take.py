"""The context snapshot kept in the repository: its text and manifest, written, staged or checked.

Deterministic: the same staged tree gives byte-identical files (no timestamps, sorted, fixed JSON
layout), so a snapshot never makes a diff by itself.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen
from typing import Any

from briefpack.brief.config import Settings
from briefpack.brief.memo import Memo, StaleMemo, settings_key
from briefpack.brief.memorows import Written, carried_docs, utf8
from briefpack.brief.parts import Unread
from briefpack.brief.pipeline import Assembled, Built
from briefpack.errors import BriefpackError, ExitCode
from briefpack.git import run_git
from briefpack.snapshot.manifest import Snapshot, make_snapshot, snapshot_path
from briefpack.snapshot.memo import save_memo
from briefpack.snapshot.staging import (
    Early,
    read_or_none,
    stage_snapshot,
    store_blob,
    write_early,
    write_if_changed,
)
from briefpack.tokens.models import budget_for
from briefpack.tokens.progress import SILENT, Progress

WHOLE_BYTES_PER_TOKEN = 3  # code runs 3-4 bytes a token: above 3, a whole text may not fit


class StaleSnapshot(BriefpackError):
    """`snapshot --check` found the snapshot out of date."""

    exit_code = ExitCode.CHECK_FAILED


@dataclass(frozen=True)
class Outcome:
    """What a snapshot run did: the brief built, the snapshot, whether a file changed, and
    which paths were taken from the last snapshot (their findings were reported then)."""

    built: Built
    snapshot: Snapshot
    changed: bool
    reused: frozenset[str] = frozenset()
    fitted_now: str | None = None  # said once, when a whole snapshot gives way to a fitted one


def take_snapshot(
    start: Path, overrides: dict[str, Any], *, check: bool, progress: Progress = SILENT
) -> Outcome:
    """Build the snapshot of what is staged under `start`; write and stage it, or (`check`)
    raise StaleSnapshot if the files on disk differ from a full build. `progress`: told how the
    build goes (the hook passes none: it stays silent)."""
    from briefpack.brief.config import find_git_root, load_settings
    from briefpack.brief.pipeline import resolve_root

    folder = resolve_root(start)
    top = find_git_root(folder)
    if top is None:
        raise BriefpackError(
            f"not in a git repository: {folder}", hint="a snapshot is of what git has staged"
        )
    # what is staged and nothing else: no work-tree diff, and no log (it would be stale as
    # soon as this commit is made)
    overrides = overrides | {"diff": False, "log": 0}
    settings = load_settings(folder, overrides)
    # the snapshot belongs to its config's folder (a package of a monorepo may have its own),
    # else to the repository, from whichever subfolder it is taken
    root = settings.root if settings.path is not None else top
    settings = load_settings(root, overrides)
    config = settings.config
    if not config.snapshot_brief:
        overrides = overrides | {"goal": "", "format": "", "warnings": []}
    # the snapshot fits its own budget (a model must be able to take it), or is whole
    if overrides.get("fit") is None:  # `snapshot --fit/--no-fit` says it for this run
        overrides = overrides | {"fit": config.snapshot_fit}
    if config.snapshot_budget is not None and overrides.get("budget") is None:
        overrides = overrides | {"budget": config.snapshot_budget}
    # --check compares with a full build; a snapshot written reuses the last one's unchanged blobs
    memo = load_memo(settings) if settings.config.cache and not check else None
    try:
        return _take(root, top, settings, overrides, memo, check=check, progress=progress)
    except StaleMemo:  # a blob read again is not what the memo knew of it: do without
        return _take(root, top, settings, overrides, None, check=check, progress=progress)


def _take(
    root: Path,
    top: Path,
    settings: Settings,
    overrides: dict[str, Any],
    memo: Memo | None,
    *,
    check: bool,
    progress: Progress,
) -> Outcome:
    """Build the snapshot, then check it, or write and stage it (see `take_snapshot`)."""
    from briefpack.brief.pipeline import assemble, count

    done = assemble(root, overrides, staged=True, memo=memo, progress=progress)
    stage = not check and settings.config.snapshot_stage
    written = _early_text(done, memo) if stage else None
    early = None
    if written is not None:
        current = memo.raw if memo is not None else None
        early = write_early(snapshot_path(settings), written.data, top, current=current)
    stored: list[Popen[bytes]] = []
    try:
        built = count(done, progress)
        fitted = any(level != "full" for level in built.levels.values())
        if written is None or built.segments is not done.segments:  # --fit left files out
            written = Written.of(built.segments, memo)
            if stage and fitted:  # git compresses it while the manifest and memo are made
                stored = _store_new(top, snapshot_path(settings), written.data, memo)
        snap = make_snapshot(built, written.data, memo)
        if check:
            check_snapshot(snap)
            return Outcome(built, snap, changed=False)
        if stored:
            stored += _store_new(top, snap.manifest_path, utf8(snap.manifest), None)
        fitted_now = _fitted_now(built, snap.manifest_path)
        changed = write_snapshot(snap, early)
        sizes = written.sizes

        def keep_memo() -> None:
            if memo is not None:
                remember(memo, built, snap, sizes)

        if stage:  # the memo is saved while git stores the context
            paths = [*snap.paths(), *_state_ignore(snap, top)]
            stage_snapshot(paths, root, early, fitted, keep_memo, stored)
        else:
            keep_memo()
    except BaseException:
        for proc in stored:
            proc.wait()  # git storing a text no one will stage: done in a moment
        if early is not None:
            early.undo()
        raise
    reused = frozenset(memo.taken) if memo else frozenset()
    return Outcome(built, snap, changed, reused, fitted_now)


def _store_new(top: Path, path: Path, data: bytes, memo: Memo | None) -> list[Popen[bytes]]:
    """git storing `data` in the background (staging.store_blob), unless the file holds it
    already (`memo`: its bytes are known)."""
    current = memo.raw if memo is not None and memo.raw is not None else read_or_none(path)
    try:
        name = path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError:
        return []  # outside the repository: `git add` says so
    return [] if current == data else [store_blob(top, name, data)]


def _fitted_now(built: Built, manifest_path: Path) -> str | None:
    """The note for the first fitted snapshot after a whole one (a snapshot from before
    snapshots were fitted, or a repository that outgrew its budget); None otherwise."""
    levels = Counter(built.levels.values())
    if not levels.keys() - {"full"}:
        return None
    old = read_or_none(manifest_path)
    if old is None or _fitted(old):
        return None
    return (
        f"the snapshot is now fitted to its budget ({built.budget:,} tokens) instead of whole:"
        f" {levels['full']:,} files in full text, {levels['outline']:,} outlined,"
        f" {levels['path']:,} by path only (snapshot_fit = false keeps the whole text)"
    )


def _early_text(done: Assembled, memo: Memo | None) -> Written | None:
    """The text assembled, when it is likely the snapshot, so staging it early (git compressing
    it while tokens are counted) pays: the snapshot is never fitted, or the last one was whole
    (so none of its files is unread) and this text is within WHOLE_BYTES_PER_TOKEN bytes a
    token of the budget (a character is at least a byte). Staged early, a text that is then
    fitted would stay in .git, unreachable, at every commit."""
    config = done.settings.config
    if not config.fit:
        return Written.of(done.segments, memo)
    manifest = read_or_none(snapshot_path(done.settings).with_suffix(".json"))
    if manifest is None or _fitted(manifest):
        return None
    if any(isinstance(d, Unread) for d in done.brief.files):
        return None
    budget = budget_for(done.model, config.effort, reserve=config.reserve, budget=config.budget)
    most = WHOLE_BYTES_PER_TOKEN * budget
    if sum(len(s.text) for s in done.segments) > most:
        return None
    written = Written.of(done.segments, memo)
    return written if len(written.data) <= most else None


def _fitted(manifest: bytes) -> bool:
    """Whether a manifest's snapshot holds files as outlines or paths (a byte search: the
    manifest of a large repository is megabytes of JSON)."""
    return any(f'"level": "{level}"'.encode() in manifest for level in ("outline", "path"))


def load_memo(settings: Settings) -> Memo:
    """The memo of the last snapshot, usable only with the same reading and scanning settings."""
    return Memo.load(snapshot_path(settings), settings_key(settings.config))


def remember(memo: Memo, built: Built, snap: Snapshot, sizes: Sequence[int]) -> None:
    """Save where each blob of this snapshot sits in it, for the next one."""
    outlined = {d.path for d in built.brief.outlines}
    save_memo(
        memo,
        context_sha256=hashlib.sha256(snap.data).hexdigest(),
        segments=built.segments,
        counts=built.counts,
        sizes=sizes,
        separated=built.settings.config.style == "markdown",
        docs={d.path: d for d in carried_docs(built.brief) if d.path not in outlined},
        reads=built.reads,
        findings=built.findings,
        shas=snap.shas,
        known={p: (d, built.full[p]) for p, d in built.digests.items() if p in built.full},
    )


def write_snapshot(snap: Snapshot, early: Early | None = None) -> bool:
    """Write both files, only where they changed. True if anything changed."""
    changed = early is not None and early.changed
    if early is None or early.data is not snap.data:  # else written already
        changed = write_if_changed(snap.context_path, snap.data) or changed
    return write_if_changed(snap.manifest_path, utf8(snap.manifest)) or changed


def check_snapshot(snap: Snapshot) -> None:
    """Raise StaleSnapshot when a file on disk differs from what it should hold."""
    for path, data in ((snap.context_path, snap.data), (snap.manifest_path, utf8(snap.manifest))):
        if read_or_none(path) != data:
            state = "missing" if not path.exists() else "stale"
            raise StaleSnapshot(
                f"snapshot is {state}: {path}", hint="run `briefpack snapshot` and commit it"
            )


def _state_ignore(snap: Snapshot, top: Path) -> list[Path]:
    """The `.briefpack/.gitignore` beside the snapshot (store.keep_local writes it), staged with
    it the first time: committed once, it keeps the fallback brief, runs and tasks out of
    `git add -A`; a user's later edits to it are theirs to stage."""
    folder = snap.context_path.parent
    ignore = folder / ".gitignore"
    if folder.name != ".briefpack" or not ignore.is_file():
        return []
    known = run_git(top, "ls-files", "--", os.path.relpath(ignore, top))
    return [] if known.strip() else [ignore]

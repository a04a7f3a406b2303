"""The context snapshot kept in the repository: its text and manifest, written, staged or checked.

Deterministic: the same staged tree gives byte-identical files (no timestamps, sorted, fixed JSON
layout), so a snapshot never makes a diff by itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefpack.brief.config import Settings
from briefpack.brief.memo import Memo, code_id, memo_key
from briefpack.brief.parts import Doc, Segment
from briefpack.brief.pipeline import Assembled, Built
from briefpack.errors import BriefpackError, ExitCode
from briefpack.git import run_git
from briefpack.snapshot.memo import save_memo
from briefpack.snapshot.staging import (
    Early,
    read_or_none,
    stage_snapshot,
    write_early,
    write_if_changed,
)
from briefpack.tokens.models import budget_for
from briefpack.tokens.progress import SILENT, Progress

WHOLE_BYTES_PER_TOKEN = 3  # code runs 3-4 bytes a token: above 3, a whole text may not fit
MANIFEST_VERSION = 3  # 2: each file's level and rank, and the files by path only; 3: digest
DIGEST = 16  # hex digits of the text's sha256 a manifest row keeps: a full one is 64 digits no
# compressor can shrink, 60% of a fitted manifest's bytes in .git at every commit


class StaleSnapshot(BriefpackError):
    """`snapshot --check` found the snapshot out of date."""

    exit_code = ExitCode.CHECK_FAILED


@dataclass(frozen=True)
class Snapshot:
    """The two files of a snapshot and what they should hold."""

    context_path: Path
    manifest_path: Path
    manifest: str
    data: bytes  # the context, as written (UTF-8)
    shas: dict[str, str]  # path -> sha256 of its text, as in the manifest

    def paths(self) -> tuple[Path, Path]:
        """Both files."""
        return self.context_path, self.manifest_path


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
    from briefpack.brief.pipeline import assemble, count, resolve_root

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
    done = assemble(root, overrides, staged=True, memo=memo, progress=progress)
    stage = not check and settings.config.snapshot_stage
    written = Written.of(done.segments, memo)
    early = None
    manifest_path = snapshot_path(settings).with_suffix(".json")
    if stage and _likely_whole(done, len(written.data), read_or_none(manifest_path)):
        current = memo.raw if memo is not None else None
        early = write_early(snapshot_path(settings), written.data, top, current=current)
    try:
        built = count(done, progress)
        if built.segments is not done.segments:  # --fit left files out
            written = Written.of(built.segments, memo)
        snap = make_snapshot(built, written.data, memo)
        if check:
            check_snapshot(snap)
            return Outcome(built, snap, changed=False)
        fitted_now = _fitted_now(built, snap.manifest_path)
        changed = write_snapshot(snap, early)
        if memo is not None:  # while git may still be storing the context
            remember(memo, built, snap, written.sizes)
        if stage:
            fitted = any(level != "full" for level in built.levels.values())
            stage_snapshot([*snap.paths(), *_state_ignore(snap, top)], root, early, fitted)
    except BaseException:
        if early is not None:
            early.undo()
        raise
    reused = frozenset(memo.taken) if memo else frozenset()
    return Outcome(built, snap, changed, reused, fitted_now)


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


def _likely_whole(done: Assembled, size: int, manifest: bytes | None) -> bool:
    """Whether the text assembled is likely the snapshot, so staging it early (git compressing
    it while tokens are counted) pays: the snapshot is never fitted, or the last one was whole
    and this text is within WHOLE_BYTES_PER_TOKEN bytes a token of the budget. Staged early, a
    text that is then fitted would stay in .git, unreachable, at every commit."""
    config = done.settings.config
    if not config.fit:
        return True
    if manifest is None or _fitted(manifest):
        return False
    budget = budget_for(done.model, config.effort, reserve=config.reserve, budget=config.budget)
    return size <= WHOLE_BYTES_PER_TOKEN * budget


def _fitted(manifest: bytes) -> bool:
    """Whether a manifest's snapshot holds files as outlines or paths (a byte search: the
    manifest of a large repository is megabytes of JSON)."""
    return any(f'"level": "{level}"'.encode() in manifest for level in ("outline", "path"))


@dataclass(frozen=True)
class Written:
    """A snapshot's bytes: each segment's UTF-8, joined (cheaper than joining the text first,
    which is four bytes a character as soon as one file holds an emoji)."""

    data: bytes
    sizes: tuple[int, ...]  # each segment's length in bytes, for the memo

    @classmethod
    def of(cls, segments: Sequence[Segment], memo: Memo | None) -> Written:
        """A segment taken from the last snapshot brings its bytes along."""
        pieces = []
        for segment in segments:
            held = memo.reused(segment) if memo is not None else None
            pieces.append(held.data if held is not None else _utf8(segment.text))
        return cls(b"".join(pieces), tuple(len(p) for p in pieces))


def snapshot_path(settings: Settings) -> Path:
    """Where the snapshot's context goes (its manifest is beside it, as .json)."""
    return settings.root / settings.config.snapshot_path


def load_memo(settings: Settings) -> Memo:
    """The memo of the last snapshot, usable only with the same reading and scanning settings."""
    config = settings.config
    key = memo_key(
        code_id(),
        {
            "max_size": config.max_file_size if config.default_excludes else None,
            "secrets": config.secrets,
            "allow": list(config.secrets_allow_files),
            "style": config.style,
            "model": [config.model, config.models],
        },
    )
    return Memo.load(snapshot_path(settings), key)


def make_snapshot(built: Built, data: bytes, memo: Memo | None = None) -> Snapshot:
    """The snapshot of a built brief (built without goal/format/warnings unless configured)."""
    context_path = snapshot_path(built.settings)
    docs = {d.path: d for d in _docs(built)}
    shas: dict[str, str] = {}
    files = []
    for section, path, tokens in built.file_tokens():
        if path in docs:
            text = docs[path].text
            shas[path] = (memo.sha256(path, text) if memo is not None else None) or _sha256(text)
            files.append(
                {"path": path, "section": section, "digest": shas[path][:DIGEST], "tokens": tokens}
                | _placed(built, path)
            )
    files += [
        {"path": path, "section": "tree", "tokens": 0} | _placed(built, path)
        for path in built.brief.path_only or {}
    ]
    manifest = {
        "briefpack_manifest": MANIFEST_VERSION,
        "snapshot": context_path.name,
        "model": built.model.id,
        "encoding": built.model.encoding,
        "total_tokens": built.total,
        "files": files,
    }
    return Snapshot(
        context_path=context_path,
        manifest_path=context_path.with_suffix(".json"),
        manifest=_manifest_json(manifest),
        data=data,
        shas=shas,
    )


def _placed(built: Built, path: str) -> dict[str, Any]:
    """A manifest row's level (full, outline, path) and rank: code files that rank for a reason
    (files without a score tie, and their places in path order would shift at every new file)."""
    ranked = built.ranks.get(path)
    level = built.levels.get(path, "full")
    placed = ranked is not None and (ranked.score > 0 or "pinned" in ranked.reasons)
    return {"level": level} | ({"rank": ranked.rank} if ranked is not None and placed else {})


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
        docs={d.path: d for d in _docs(built) if d.path not in outlined},
        reads=built.reads,
        findings=built.findings,
        shas=snap.shas,
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _manifest_json(manifest: dict[str, Any]) -> str:
    """Sorted JSON with one file per line: readable in a diff, and written by json's C encoder
    (an indented dump of thousands of entries takes ~0.2 s in its Python one)."""
    files = manifest.pop("files")
    head = json.dumps(manifest, ensure_ascii=False, sort_keys=True)[:-1]
    rows = ",\n".join("  " + json.dumps(f, ensure_ascii=False, sort_keys=True) for f in files)
    return f'{head}, "files": [\n{rows}\n]}}\n' if rows else f'{head}, "files": []}}\n'


def write_snapshot(snap: Snapshot, early: Early | None = None) -> bool:
    """Write both files, only where they changed. True if anything changed."""
    changed = early is not None and early.changed
    if early is None or early.data is not snap.data:  # else written already
        changed = write_if_changed(snap.context_path, snap.data) or changed
    return write_if_changed(snap.manifest_path, _utf8(snap.manifest)) or changed


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def check_snapshot(snap: Snapshot) -> None:
    """Raise StaleSnapshot when a file on disk differs from what it should hold."""
    for path, data in ((snap.context_path, snap.data), (snap.manifest_path, _utf8(snap.manifest))):
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


def _docs(built: Built) -> list[Doc]:
    brief = built.brief
    about = [brief.about] if brief.about is not None else []
    return [*about, *brief.notes, *brief.schema, *brief.outlines, *brief.files]

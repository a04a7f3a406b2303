"""The work tree's memo: what the last build learned of each file it read, keyed by the file's
stat (size, modification and change times, inode), as git's index trusts a file whose stat has
not changed; with that build's text (the pack) in the cache folder.

A file the last brief carried verbatim, whose stat is unchanged, is taken from the pack: already
scanned and redacted, its segment rendered and counted (as a snapshot takes a blob, memo.py). A
code file it did not carry (an outline, a path) is taken as parts.Unread: ranked by its profile
and placed by its outline (both cached by digest) without being read, and read only if it goes in
in full, then checked against the digest the memo knew (memo.StaleMemo if it differs: the memo
is dropped and the build starts again). When the files it knows fit the budget whole, none is
taken unread: every one goes in in full, and is read once rather than twice. A file's stat is
the one discovery took as it listed the file (stamps.py): a file saved later in the build goes in
as it was when listed, as git's status reports a file as it was when stat'ed (the next build
reads it). A file changed within stamps.RACY_NS of the build is always read: another change in
the same clock tick would leave its stat as it was. Two memos per work tree and settings, fitted
and whole (the last KEPT), in a folder only its user may read; none when secrets are left in
(`--secrets allow`, or files never scanned).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from briefpack.brief.config import Config
from briefpack.brief.discover import Skip
from briefpack.brief.memo import MEMO_VERSION, Memo, Read, cache_name, settings_key
from briefpack.brief.memorows import Written, carried_docs, memo_rows
from briefpack.brief.parts import SLACK
from briefpack.brief.read import SourceFile, read_file
from briefpack.brief.stamps import stamp
from briefpack.secrets.scan import Finding
from briefpack.tokens.estimate import surely_over
from briefpack.tokens.progress import SILENT, Progress, in_runs
from briefpack.tokens.store import cache_dir, write_atomic

if TYPE_CHECKING:  # the pipeline, which saves the memo, imports this module
    from briefpack.brief.pipeline import Built

KEPT = 4  # memos per work tree: fitted and whole, for two settings (style, model, secrets)


def load_worktree(root: Path, config: Config, room: int | None) -> tuple[Memo, bool]:
    """The memo of the last build of `root` with these settings, its pack read and checked
    (empty when missing, stale or corrupt), and whether its files fit `room` whole (the budget
    the files are fitted to; None: not fitted), so that none should be taken unread. Fitted
    builds and whole ones keep a memo each: a goal build after a whole one would otherwise
    take every file from a whole pack, and the next whole build read again what it left."""
    key = settings_key(config)
    base = f"{cache_name(root)}-{key[:12]}"
    fitted = _read(base, "fitted", key)
    if room is not None and surely_over(fitted.tokens, room):  # a fitted one's are estimates
        return fitted, False
    whole = _read(base, "whole", key)
    return whole, room is None or whole.tokens - SLACK <= room


def _read(base: str, kind: str, key: str) -> Memo:
    path = cache_dir() / "worktree" / f"{base}-{kind}.marshal"
    return Memo.read(path, path.with_suffix(".pack"), key)


def read_worktree(
    root: Path,
    paths: Sequence[str],
    memo: Memo,
    *,
    max_size: int | None,
    unread: Collection[str],
    stamped: Mapping[str, str] | None = None,
    progress: Progress = SILENT,
) -> dict[str, tuple[str, Read]]:
    """Each path's stamp (its memo key, or "" when it must not be kept: a link, not a file, or
    changed just now) and what it read as: taken from the memo when the stamp is the one it
    knew (as parts.Unread for the paths in `unread`), else read. A path gone is left out.
    `stamped`: stamps taken already (discovery's), for paths not to stat again."""
    now = time.time_ns()
    real_root = root.resolve()
    done: dict[str, tuple[str, Read]] = {}
    stats: dict[str, os.stat_result] = {}
    stamped = stamped or {}
    for path in in_runs(paths, progress):
        if path in memo.rows:  # else the stat is taken as the file is read
            ident = stamped.get(path)
            if ident is None:
                info = _lstat(f"{root}/{path}")
                ident = stamp(info, now) if info is not None else ""
            held = memo.take(path, ident, unread=path in unread) if ident else None
            if held is not None:
                done[path] = (ident, held.read)
                continue
        result = read_file(root, real_root, path, max_size=max_size, stats=stats)
        if result is not None:
            opened = stats.pop(path, None)
            kept = opened is not None and _kept(result)
            done[path] = (stamp(opened, now) if kept and opened else "", result)
    return done


def _kept(result: SourceFile | Skip) -> bool:
    """Whether a read result holds while the stat does: not a passing failure to read."""
    return isinstance(result, SourceFile) or not result.reason.startswith("unreadable")


def _lstat(full: str) -> os.stat_result | None:
    try:
        return os.lstat(full)
    except OSError:
        return None


def save_worktree(
    memo: Memo,
    built: Built,
    reads: Mapping[str, tuple[str, Read]],
    findings: Mapping[str, Sequence[Finding]],
) -> None:
    """Remember this build: its text (the pack), and a row for each path read with a stat to
    key it by (memorows.memo_rows; `findings`: each file's own). Written only when something
    changed; rows of paths this build did not read (not texts) are kept while they are fewer
    than the ones it did (another build's files)."""
    if memo.path is None or built.settings.config.secrets_allow_files:
        return  # the pack would keep the text of files never scanned
    kind = "fitted" if any(level != "full" for level in built.levels.values()) else "whole"
    path = memo.path.with_name(f"{memo.path.stem.rsplit('-', 1)[0]}-{kind}.marshal")
    if path != memo.path:  # the build was of the other kind: its memo is made anew
        memo = Memo(path=path, key=memo.key)
    written = Written.of(built.segments, memo)
    if written.same_as(memo.raw) and reads.keys() <= memo.taken.keys():
        return  # every file as the memo had it, in the very same text
    outlined = {d.path for d in built.brief.outlines}
    docs = {d.path: d for d in carried_docs(built.brief) if d.path not in outlined}
    rows = memo_rows(
        memo,
        segments=built.segments,
        counts=built.counts,
        sizes=written.sizes,
        separated=built.settings.config.style == "markdown",
        docs=docs,
        reads=reads,
        findings=[f for found in findings.values() for f in found],
        shas=dict.fromkeys(docs, ""),
        known={p: (d, built.full[p]) for p, d in built.digests.items() if p in built.full},
    )
    others = {  # another build's files; not a text: it points into the pack replaced now
        p: r
        for p, r in memo.rows.items()
        if p not in rows and p not in reads and isinstance(r, list) and r[1:2] != ["text"]
    }
    kept = others | rows if len(others) <= len(rows) else rows
    data = {
        "briefpack_memo": MEMO_VERSION,
        "key": memo.key,
        "context_sha256": written.sha256(),
        "tokens": sum(built.full.values()),
        "files": kept,
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)  # the packs are the briefs' text: for this user only
        pack = path.with_suffix(".pack")
        write_atomic(pack, written.pieces)
        pack.chmod(0o600)
        write_atomic(path, marshal.dumps(data))
        _prune(path)
    except OSError:
        pass  # a cache: the next build reads the files again


def forget_worktree(root: Path) -> None:
    """Drop every memo of `root`: one of them knew a file wrong (memo.StaleMemo)."""
    for path in (cache_dir() / "worktree").glob(f"{cache_name(root)}-*.*"):
        with contextlib.suppress(OSError):  # a read-only cache: the build then goes without
            path.unlink(missing_ok=True)


def _prune(path: Path) -> None:
    """Keep the KEPT memos of this work tree (settings) most recently written, with packs."""
    root_name = path.name.split("-", 1)[0]
    mine = sorted(path.parent.glob(f"{root_name}-*.marshal"), key=lambda p: p.stat().st_mtime_ns)
    for old in mine[:-KEPT]:
        old.unlink(missing_ok=True)
        old.with_suffix(".pack").unlink(missing_ok=True)

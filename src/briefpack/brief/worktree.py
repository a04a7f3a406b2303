"""The work tree's memo: what the last build learned of each file it read, keyed by the file's
stat (size, modification and change times, inode), as git's index trusts a file whose stat has
not changed.

A build takes a code file whose stat is unchanged as parts.Unread: it is ranked by its profile
and placed by its outline (both cached by digest) without being read, scanned, rendered and
counted again, and it is read only if it goes in in full, then checked against the digest the
memo knew (memo.StaleMemo if it differs: the build starts again without the memo). A file
changed within RACY_NS of the build is always read: another change in the same clock tick
would leave its stat as it was. The rows share the snapshot memo's format (memo.py), with the
stat in place of the blob id, and live in the cache folder, one file per work tree and settings
(the last KEPT). Only a fitted build writes one: a brief that fits whole takes nothing unread.
"""

from __future__ import annotations

import marshal
import os
import stat
import time
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeGuard

from briefpack.brief.config import Config
from briefpack.brief.discover import Skip
from briefpack.brief.memo import MEMO_VERSION, Memo, Read, cache_name, settings_key
from briefpack.brief.parts import SLACK, Brief, Unread
from briefpack.brief.read import SourceFile, read_file
from briefpack.secrets.scan import Finding
from briefpack.tokens.count import digest
from briefpack.tokens.progress import SILENT, Progress, in_runs
from briefpack.tokens.store import cache_dir, write_atomic

RACY_NS = 2_000_000_000  # coarser than any file system's time stamps
KEPT = 2  # memos per work tree (its builds with other settings: style, model, secrets)


def load_worktree(root: Path, config: Config, room: int | None) -> Memo | None:
    """The memo of the last fitted build of `root` with these settings (empty when missing or
    corrupt); None when the build is not fitted (`room`, the budget the files are fitted to, is
    None). When the files it knows fit `room` whole, none is taken unread (every file goes in in
    full, and is read once rather than twice): the memo is empty, and is written again only if
    this build is fitted after all."""
    if room is None:
        return None
    key = settings_key(config)
    path = cache_dir() / "worktree" / f"{cache_name(root)}-{key[:12]}.marshal"
    memo = Memo(path=path, key=key)
    try:
        data = marshal.loads(path.read_bytes())
        same = data["briefpack_memo"] == MEMO_VERSION and data["key"] == key
        if same and data["tokens"] - SLACK > room:
            memo.rows = dict(marshal.loads(data["files"]))
    except (OSError, ValueError, TypeError, KeyError, IndexError, EOFError):
        memo.rows = {}
    return memo


def read_worktree(
    root: Path,
    paths: Sequence[str],
    memo: Memo,
    *,
    max_size: int | None,
    unread: Collection[str],
    progress: Progress = SILENT,
) -> dict[str, tuple[str, Read]]:
    """Each path's stat (its memo key, or "" when it must not be kept: a link, not a file, or
    changed just now) and what it read as: taken from the memo when the stat is the one it
    knew (as parts.Unread for the paths in `unread`), else read. A path gone is left out."""
    now = time.time_ns()
    real_root = root.resolve()
    done: dict[str, tuple[str, Read]] = {}
    stats: dict[str, os.stat_result] = {}
    for path in in_runs(paths, progress):
        if path in memo.rows:  # else the stat is taken as the file is read
            info = _lstat(f"{root}/{path}")
            ident = _ident(info, now) if info is not None else ""
            held = memo.take(path, ident, unread=path in unread) if ident else None
            if held is not None:
                done[path] = (ident, held.read)
                continue
        result = read_file(root, real_root, path, max_size=max_size, stats=stats)
        if result is not None:
            opened = stats.pop(path, None)
            kept = opened is not None and _kept(result)
            done[path] = (_ident(opened, now) if kept and opened else "", result)
    return done


def _kept(result: SourceFile | Skip) -> bool:
    """Whether a read result holds while the stat does: not a passing failure to read."""
    return isinstance(result, SourceFile) or not result.reason.startswith("unreadable")


def _lstat(full: str) -> os.stat_result | None:
    try:
        return os.lstat(full)
    except OSError:
        return None


def _ident(info: os.stat_result, now: int) -> str:
    """The memo key of a file with this stat: "" for what is not a regular file, or changed
    too recently to be trusted by its stat."""
    if not stat.S_ISREG(info.st_mode) or max(info.st_mtime_ns, info.st_ctime_ns) > now - RACY_NS:
        return ""
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"


def save_worktree(
    memo: Memo,
    reads: Mapping[str, tuple[str, Read]],
    brief: Brief,
    full: Mapping[str, int],
    findings: Mapping[str, Sequence[Finding]],
) -> None:
    """Remember what this build read of each path with a stat to key it by: a skip's reason,
    or a code file's (`brief`'s, as scanned) digest, its tokens in full (`full`), read note
    and secrets found in it (`findings`, by path). Written only when it learned something;
    rows of paths this build did not read are kept while they are fewer than the ones it did
    (another build's files)."""
    if memo.path is None:
        return
    found = {p: [(f.line, f.kind, f.start, f.end) for f in fs] for p, fs in findings.items() if fs}
    rows: dict[str, list[Any]] = {}
    for doc in brief.files:
        ident, result = reads.get(doc.path, ("", None))
        known = memo.rows.get(doc.path)
        if ident and _known(known) and known[0] == ident:
            rows[doc.path] = known  # read in full, or taken unread: as it was
        elif (
            ident
            and isinstance(result, SourceFile)
            and doc.path in full
            and not isinstance(doc, Unread)
        ):
            sums = [digest(doc.text), full[doc.path]]
            rows[doc.path] = [ident, "known", result.note, found.get(doc.path, []), *sums]
    for path, (ident, result) in reads.items():
        if ident and isinstance(result, Skip):
            rows[path] = [ident, "skip", result.reason, result.source]
    if all(memo.rows.get(p) == row for p, row in rows.items()):
        return
    others = {p: r for p, r in memo.rows.items() if p not in rows}
    kept = others | rows if len(others) <= len(rows) else rows
    tokens = sum(r[5] for r in kept.values() if _known(r))
    files = marshal.dumps(kept)  # loaded only when the files may not fit whole
    data = {"briefpack_memo": MEMO_VERSION, "key": memo.key, "tokens": tokens, "files": files}
    try:
        memo.path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(memo.path, marshal.dumps(data))
        _prune(memo.path)
    except OSError:
        pass  # a cache: the next build reads the files again


def forget_worktree(root: Path) -> None:
    """Drop every memo of `root`: one of them knew a file wrong (memo.StaleMemo)."""
    for path in (cache_dir() / "worktree").glob(f"{cache_name(root)}-*.marshal"):
        path.unlink(missing_ok=True)


def _prune(path: Path) -> None:
    """Keep the KEPT memos of this work tree (settings) most recently written."""
    root_name = path.name.split("-", 1)[0]
    mine = sorted(path.parent.glob(f"{root_name}-*.marshal"), key=lambda p: p.stat().st_mtime_ns)
    for old in mine[:-KEPT]:
        old.unlink(missing_ok=True)


def _known(row: Any) -> TypeGuard[list[Any]]:
    """Whether `row` is a well-formed row of a file known by its digest."""
    return isinstance(row, list) and len(row) == 6 and row[1] == "known" and type(row[5]) is int

"""A file's stamp: its stat (size, modification and change times, inode) as a string, the key
under which the work tree's memo trusts what it knew of the file (brief/worktree.py), as git's
index trusts a file whose stat has not changed. Taken where the file is first stat'ed (discovery
lists a repository with one lstat per path), and used from there."""

from __future__ import annotations

import os
import stat

RACY_NS = 2_000_000_000  # coarser than any file system's time stamps


def stamp(info: os.stat_result, now: int) -> str:
    """The stamp of a file with this stat: "" for what is not a regular file, or changed within
    RACY_NS of `now` (another change in the same clock tick would leave its stat as it was)."""
    if not stat.S_ISREG(info.st_mode) or max(info.st_mtime_ns, info.st_ctime_ns) > now - RACY_NS:
        return ""
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"

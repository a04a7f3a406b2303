"""Files briefpack keeps: its cache folder, and writes that never leave a file half-written."""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def cache_dir() -> Path:
    """`$BRIEFPACK_CACHE_DIR`, else `$XDG_CACHE_HOME/briefpack`, else `~/.cache/briefpack`."""
    explicit = os.environ.get("BRIEFPACK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "briefpack"


STATE_IGNORE = """\
# Written by briefpack. Only the context snapshot here is meant to be committed: the fallback
# brief (brief.md), runs/ and tasks/ stay on this machine.
*
!.gitignore
!context.md
!context.json
"""


def keep_local(path: Path) -> None:
    """When `path` lies in a `.briefpack/` folder, make sure that folder has its `.gitignore`
    (written once, never over one a user keeps), so `git add -A` takes the snapshot only."""
    for folder in path.parents:
        if folder.name == ".briefpack":
            with contextlib.suppress(OSError):  # exists already, or a read-only tree
                folder.mkdir(parents=True, exist_ok=True)
                with (folder / ".gitignore").open("x", encoding="utf-8") as handle:
                    handle.write(STATE_IGNORE)
            return


def read_marshal(path: Path, version: object) -> dict[Any, Any]:
    """The dict a cache file keeps as `(version, dict)` in marshal; empty when it is missing,
    corrupt or of another version (its entries are the caller's to check)."""
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == version):
        return {}
    return data[1] if isinstance(data[1], dict) else {}


def write_atomic(path: Path, data: bytes | Iterable[bytes]) -> None:
    """Write `data` (or its pieces, in order) to a temporary file beside `path`, then rename it
    into place.

    The file gets the mode it had, or a new file's usual mode under the umask (mkstemp's own 0600
    would make a brief or snapshot unreadable to the rest of a shared machine).
    """
    keep_local(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                handle.writelines(data)
            os.fchmod(handle.fileno(), _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask

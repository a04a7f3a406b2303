"""What is staged: the index's paths and their blobs, for a snapshot of the commit being made.

Inside a pre-commit hook git points GIT_INDEX_FILE at the index being committed (also for
`git commit -a` and `git commit <paths>`); every git call here inherits it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from briefpack.brief.discover import Skip
from briefpack.brief.read import SourceFile, from_bytes
from briefpack.git import run_git
from briefpack.tokens.progress import SILENT, Progress, in_runs

_SYMLINK = "120000"
_GITLINK = "160000"  # a submodule


@dataclass(frozen=True)
class Entry:
    """One index entry: its mode and blob id."""

    mode: str
    blob: str

    @property
    def ident(self) -> str:
        """Mode and blob id: what the staged file is, for the snapshot memo."""
        return f"{self.mode} {self.blob}"


def index_entries(root: Path) -> dict[str, Entry]:
    """Path (relative to `root`) -> entry, for every file under `root` in the tree that
    committing the index makes: `git write-tree` leaves out what `git add -N` only announced
    (an intent-to-add entry is not committed), and refuses an index with unmerged paths."""
    tree = run_git(root, "write-tree").strip().decode("ascii")
    out = run_git(root, "ls-tree", "-r", "-z", tree, "--", ".")
    entries: dict[str, Entry] = {}
    for record in out.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, _kind, blob = meta.decode("ascii").split(" ")
        entries[raw_path.decode("utf-8", "surrogateescape")] = Entry(mode, blob)
    return entries


def read_staged(
    root: Path,
    entries: dict[str, Entry],
    paths: Sequence[str],
    *,
    max_size: int | None,
    progress: Progress = SILENT,
) -> tuple[list[SourceFile], list[Skip]]:
    """The staged text of each path (one `git cat-file --batch` for all), or why it is skipped."""
    files: list[SourceFile] = []
    skipped: list[Skip] = []
    wanted: list[str] = []
    for path in paths:
        mode = entries[path].mode
        if mode == _SYMLINK:
            skipped.append(Skip(path, "symlink (a snapshot holds staged files only)"))
        elif mode == _GITLINK:
            skipped.append(Skip(path, "submodule", "git"))
        else:
            wanted.append(path)
    progress.advance(len(paths) - len(wanted))
    blobs = _cat_blobs(root, [entries[p].blob for p in wanted])
    for path in in_runs(wanted, progress):
        result = from_bytes(path, blobs[entries[path].blob], max_size=max_size)
        if isinstance(result, SourceFile):
            files.append(result)
        else:
            skipped.append(result)
    return files, skipped


def _cat_blobs(root: Path, blobs: Sequence[str]) -> dict[str, bytes]:
    """Blob id -> content, read in one `git cat-file --batch` process."""
    unique = list(dict.fromkeys(blobs))
    if not unique:
        return {}
    out = run_git(
        root, "cat-file", "--batch", input_bytes="".join(b + "\n" for b in unique).encode()
    )
    contents: dict[str, bytes] = {}
    at = 0
    for blob in unique:
        header_end = out.index(b"\n", at)
        _, _kind, size = out[at:header_end].decode("ascii").split(" ")
        start = header_end + 1
        contents[blob] = out[start : start + int(size)]
        at = start + int(size) + 1  # content, then a newline
    return contents

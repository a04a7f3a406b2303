"""The directory tree of a brief, drawn `tree`-style.

Files the brief carries only by path may be many: a folder holding nothing else collapses to one
line with its count of files and about their tokens (`locale/ (1,130 files, ~2.1 M tokens)`:
estimated, tokens/estimate.py), and in a folder that also holds carried files, path-only files
past the first few are counted, not listed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

# Detail levels, for the ladder to pick when the tree alone would crowd a small budget: how
# many path-only files a folder holding carried files lists one by one, and how many folders
# that hold only path-only files it lists (each as one collapsed line) before counting the rest.
DETAIL = {2: (12, 1 << 30), 1: (3, 12), 0: (0, 0)}


@dataclass
class _Folder:
    folders: dict[str, _Folder] = field(default_factory=dict)
    files: dict[str, tuple[bool, int]] = field(default_factory=dict)  # name: (carried, tokens)
    carried: bool = False  # some file below this folder is carried (full text or outline)
    count: int = 0  # files below
    tokens: int = 0  # about their full-text tokens (what collapsing spares)


def tree(
    paths: Sequence[str],
    path_only: Mapping[str, int] | None = None,
    shown: Callable[[str], str] = lambda p: p,
    detail: int = 2,
) -> str:
    """A drawing of `paths` (carried files) and `path_only` (path -> full-text tokens), folders
    first at each level, then files, sorted; `shown` makes a path printable; `detail` (2, 1,
    0) says how much of what is path-only is listed rather than counted."""
    root = _Folder()
    folders = {"": root}  # by path: files come folder by folder, each folder found once
    for path, carried, tokens in (
        *((p, True, 0) for p in paths),
        *((p, False, n) for p, n in (path_only or {}).items()),
    ):
        where, _, name = path.rpartition("/")  # by its own name: two may be shown alike
        folder = folders.get(where)
        if folder is None:
            folder = folders[where] = _folder(root, where)
        if name in folder.files:  # listed twice: counted once, carried if either is
            carried |= folder.files[name][0]
        folder.files[name] = (carried, tokens)
    _sum(root)
    lines = ["."]
    _draw(root, "", lines, DETAIL[detail], shown)
    return "\n".join(lines) + "\n"


def _folder(root: _Folder, where: str) -> _Folder:
    node = root
    for part in where.split("/"):
        child = node.folders.get(part)
        if child is None:
            child = node.folders[part] = _Folder()
        node = child
    return node


def _sum(folder: _Folder) -> None:
    """Each folder's count, tokens and whether it carries a file, from below."""
    for name in [n for n in folder.files if n in folder.folders]:  # a file named as a folder
        del folder.files[name]
    folder.count = len(folder.files)
    folder.tokens = sum(tokens for _, tokens in folder.files.values())
    folder.carried = any(carried for carried, _ in folder.files.values())
    for child in folder.folders.values():
        _sum(child)
        folder.count += child.count
        folder.tokens += child.tokens
        folder.carried |= child.carried


def _draw(
    node: _Folder,
    prefix: str,
    lines: list[str],
    limits: tuple[int, int],
    shown: Callable[[str], str],
) -> None:
    rows: list[str | tuple[str, _Folder]] = []  # a file's line, or a folder to draw
    hidden_files = hidden_tokens = hidden_folders = 0
    listed = 0
    for label, name in sorted((shown(n), n) for n in node.folders):
        child = node.folders[name]
        if child.carried or listed < limits[1]:
            rows.append((label, child))
            listed += not child.carried
        else:
            hidden_files += child.count
            hidden_tokens += child.tokens
            hidden_folders += 1
    listed = 0
    for label, name in sorted((shown(n), n) for n in node.files):
        carried, tokens = node.files[name]
        if carried or listed < limits[0]:
            rows.append(label)
            listed += not carried
        else:
            hidden_files += 1
            hidden_tokens += tokens
    if hidden_files:
        folders = f"{hidden_folders:,} more folders, " if hidden_folders else ""
        rows.append(f"… {folders}{hidden_files:,} more files ({_tokens(hidden_tokens)})")
    last_row = len(rows) - 1
    for i, row in enumerate(rows):
        branch = prefix + ("└── " if i == last_row else "├── ")
        if isinstance(row, str):
            lines.append(branch + row)
            continue
        label, folder = row
        if not folder.carried and folder.count == 1:  # a folder of one file: its path says more
            while folder.folders:
                only = next(iter(folder.folders))
                label, folder = f"{label}/{shown(only)}", folder.folders[only]
            lines.append(f"{branch}{label}/{shown(next(iter(folder.files)))}")
        elif not folder.carried:
            files = "file" if folder.count == 1 else "files"
            lines.append(f"{branch}{label}/ ({folder.count:,} {files}, {_tokens(folder.tokens)})")
        else:
            lines.append(branch + label + "/")
            inner = prefix + ("    " if i == last_row else "│   ")
            _draw(folder, inner, lines, limits, shown)


def _tokens(n: int) -> str:
    """`~2.1 M tokens`, `~640 k tokens`, `~6.9 k tokens`, `~350 tokens`: about (estimated), to
    two significant figures, so an edit seldom changes a folder's line (or a snapshot's tree)."""
    if n >= 100:
        n = round(n, 2 - len(str(n)))
    if n >= 1_000_000:
        return f"~{n / 1_000_000:g} M tokens"
    if n >= 1_000:
        return f"~{n / 1_000:g} k tokens"
    return f"~{n} tokens"

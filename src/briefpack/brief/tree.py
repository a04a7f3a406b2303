"""The directory tree of a brief, drawn `tree`-style.

Files the brief carries only by path may be many: a folder holding nothing else collapses to one
line with its count of files and their tokens (`locale/ (1,130 files, 2.1 M tokens)`), and in a
folder that also holds carried files, path-only files past the first few are counted, not listed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

# Detail levels, for the ladder to pick when the tree alone would crowd a small budget: how
# many path-only files a folder holding carried files lists one by one, and how many folders
# that hold only path-only files it lists (each as one collapsed line) before counting the rest.
DETAIL = {2: (12, 1 << 30), 1: (3, 12), 0: (0, 0)}


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    carried: bool = False  # this file, or some file below this folder, is carried (full/outline)
    files: int = 0  # files at or below
    tokens: int = 0  # their full-text tokens (what collapsing spares)


def tree(
    paths: Sequence[str],
    path_only: Mapping[str, int] | None = None,
    shown: Callable[[str], str] = lambda p: p,
    detail: int = 2,
) -> str:
    """A drawing of `paths` (carried files) and `path_only` (path -> full-text tokens), folders
    first at each level, then files, sorted; `shown` makes a path printable; `detail` (2, 1,
    0) says how much of what is path-only is listed rather than counted."""
    root = _Node()
    for path, carried, tokens in (
        *((p, True, 0) for p in paths),
        *((p, False, n) for p, n in (path_only or {}).items()),
    ):
        node = root
        node.files += 1
        node.tokens += tokens
        node.carried |= carried
        for part in shown(path).split("/"):
            child = node.children.get(part)
            if child is None:  # (not setdefault: a node made for each part of each path)
                child = node.children[part] = _Node()
            node = child
            node.files += 1
            node.tokens += tokens
            node.carried |= carried
    lines = ["."]
    _draw(root, "", lines, DETAIL[detail])
    return "\n".join(lines) + "\n"


def _draw(node: _Node, prefix: str, lines: list[str], limits: tuple[int, int]) -> None:
    names = sorted(node.children, key=lambda n: (not node.children[n].children, n))
    rows: list[tuple[str, _Node | None]] = []
    hidden, hidden_folders = _Node(), 0
    files_listed = folders_listed = 0
    for name in names:
        child = node.children[name]
        folder = bool(child.children)
        if child.carried:
            rows.append((name, child))
        elif folder and folders_listed < limits[1]:
            rows.append((name, child))
            folders_listed += 1
        elif not folder and files_listed < limits[0]:
            rows.append((name, child))
            files_listed += 1
        else:
            hidden.files += child.files or 1
            hidden.tokens += child.tokens
            hidden_folders += folder
    if hidden.files:
        folders = f"{hidden_folders:,} more folders, " if hidden_folders else ""
        more = f"… {folders}{hidden.files:,} more files ({_tokens(hidden.tokens)})"
        rows.append((more, None))
    for i, (name, row) in enumerate(rows):
        last = i == len(rows) - 1
        branch = prefix + ("└── " if last else "├── ")
        if row is None or not row.children:
            lines.append(branch + name)
        elif not row.carried and row.files == 1:  # a folder of one file: its path says more
            while row.children:
                only = next(iter(row.children))
                name, row = f"{name}/{only}", row.children[only]
            lines.append(branch + name)
        elif not row.carried:
            files = "file" if row.files == 1 else "files"
            lines.append(f"{branch}{name}/ ({row.files:,} {files}, {_tokens(row.tokens)})")
        else:
            lines.append(branch + name + "/")
            _draw(row, prefix + ("    " if last else "│   "), lines, limits)


def _tokens(n: int) -> str:
    """`2.1 M tokens`, `640 k tokens`, `6.9 k tokens`, `350 tokens`: two significant figures,
    so an edit seldom changes a folder's line (and with it a snapshot's tree)."""
    if n >= 100:
        n = round(n, 2 - len(str(n)))
    if n >= 1_000_000:
        return f"{n / 1_000_000:g} M tokens"
    if n >= 1_000:
        return f"{n / 1_000:g} k tokens"
    return f"{n} tokens"

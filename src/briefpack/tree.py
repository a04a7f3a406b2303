"""The directory tree of a brief, drawn `tree`-style.

Files the brief carries only by path may be many: a folder holding nothing else collapses to one
line with its count of files and their tokens (`locale/ (1,130 files, 2.1 M tokens)`), and in a
folder that also holds carried files, path-only files past the first few are counted, not listed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

LISTED = 12  # path-only files listed one by one in a folder that also holds carried files


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
) -> str:
    """A drawing of `paths` (carried files) and `path_only` (path -> full-text tokens), folders
    first at each level, then files, sorted; `shown` makes a path printable."""
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
            node = node.children.setdefault(part, _Node())
            node.files += 1
            node.tokens += tokens
            node.carried |= carried
    lines = ["."]
    _draw(root, "", lines)
    return "\n".join(lines) + "\n"


def _draw(node: _Node, prefix: str, lines: list[str]) -> None:
    names = sorted(node.children, key=lambda n: (not node.children[n].children, n))
    rows: list[tuple[str, _Node | None]] = []
    hidden = _Node()
    listed = 0
    for name in names:
        child = node.children[name]
        if child.children or child.carried or listed < LISTED:
            rows.append((name, child))
            listed += not child.children and not child.carried
        else:
            hidden.files += 1
            hidden.tokens += child.tokens
    if hidden.files:
        rows.append((f"… {hidden.files:,} more files ({_tokens(hidden.tokens)})", None))
    for i, (name, row) in enumerate(rows):
        last = i == len(rows) - 1
        branch = prefix + ("└── " if last else "├── ")
        if row is None or not row.children:
            lines.append(branch + name)
        elif not row.carried:
            files = "file" if row.files == 1 else "files"
            lines.append(f"{branch}{name}/ ({row.files:,} {files}, {_tokens(row.tokens)})")
        else:
            lines.append(branch + name + "/")
            _draw(row, prefix + ("    " if last else "│   "), lines)


def _tokens(n: int) -> str:
    """`2.1 M tokens`, `48 k tokens`, `310 tokens`."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} M tokens"
    if n >= 10_000:
        return f"{n // 1000} k tokens"
    return f"{n:,} tokens"

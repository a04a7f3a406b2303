"""aider's repo-map ranking as a relevance baseline (bench-only: needs `aider-chat`).

`RepoMap.get_ranked_tags` ranks definitions by personalized PageRank over aider's tag graph;
the goal's words are passed as mentioned identifiers (as aider does with a chat message), and a
file's place is where its first tag appears. Its tag cache lives in the work tree (kept across
cases by bench/relevance.py), so only changed files are parsed again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path


class _Quiet:
    """The part of aider's InputOutput the repo map uses, silent."""

    def tool_output(self, *args: object, **kwargs: object) -> None:
        pass

    tool_warning = tool_error = tool_output

    def read_text(self, fname: str) -> str | None:
        try:
            return Path(fname).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None


class _Model:
    def token_count(self, text: str) -> int:
        return len(text) // 4


def ranked_files(tree: Path, paths: Sequence[str], goal: str) -> list[str]:
    """`paths` (relative to `tree`) in aider's order; files it has no tag for are left out."""
    from aider.repomap import RepoMap

    repo_map = RepoMap(root=str(tree), main_model=_Model(), io=_Quiet(), refresh="always")
    idents = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]{2,}", goal))
    tags = repo_map.get_ranked_tags(
        chat_fnames=[],
        other_fnames=[str(tree / p) for p in paths],
        mentioned_fnames=set(),
        mentioned_idents=idents,
    )
    order: dict[str, None] = {}
    for tag in tags:
        order.setdefault(tag[0], None)
    return list(order)

"""An answer on screen: a mini table of contents of its headings, then Rich Markdown."""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


def headings(text: str) -> list[tuple[int, str]]:
    """(level, title) of each ATX heading outside fenced code blocks."""
    found: list[tuple[int, str]] = []
    fence: str | None = None
    for line in text.splitlines():
        opening = _FENCE.match(line)
        if opening:
            mark = opening.group(1)
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            continue
        match = None if fence else _HEADING.match(line)
        if match:
            found.append((len(match.group(1)), match.group(2)))
    return found


def table_of_contents(text: str) -> str:
    """'Contents' and the headings indented by level; '' when the answer has fewer than two."""
    found = headings(text)
    if len(found) < 2:
        return ""
    top = min(level for level, _ in found)
    lines = ["Contents"] + [f"{'  ' * (level - top + 1)}- {title}" for level, title in found]
    return "\n".join(lines) + "\n"


def show(console: Console, text: str, *, raw: bool) -> None:
    """Plain text for pipes and `--raw`; otherwise the contents, then the rendered Markdown."""
    if raw or not console.is_terminal:
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        sys.stdout.flush()
        return
    from rich.markdown import Markdown  # markdown-it is only needed to show an answer
    from rich.text import Text

    contents = table_of_contents(text)
    if contents:
        console.print(Text(contents, style="dim"))
    console.print(Markdown(text))

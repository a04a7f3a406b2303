"""Task files: a Markdown brief-in-waiting with Goal, Return format, Warnings and What I tried."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from briefpack.errors import BriefpackError

TEMPLATE = """# Goal
<!-- Exactly what you want back: one specific output (the what, not the how). -->


## Return format
<!-- The shape of the answer, e.g. "Complete files only, no explanations", or @files, @plan. -->


## Warnings
<!-- Constraints, pitfalls, and what separates a good answer from a bad one. One per line. -->
-

## What I tried
<!-- What was already tried and why it failed, so the model does not suggest it again. -->

"""

_HEADINGS = {
    "goal": "goal",
    "return format": "format",
    "format": "format",
    "warnings": "warnings",
    "what i tried": "tried",
    "tried": "tried",
}
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_BULLET = re.compile(r"^\s*(?:[-*+]|\d+[.)])(?:\s+|$)")


@dataclass(frozen=True)
class Task:
    """What a task file says; empty parts are left to flags and config."""

    goal: str = ""
    format: str = ""
    warnings: tuple[str, ...] = ()
    tried: str = ""
    ignored: tuple[str, ...] = ()  # headings briefpack does not read, whose text is left out


def parse_task(text: str) -> Task:
    """Read the four sections (hint comments dropped; unknown headings end the section before)."""
    parts: dict[str, list[str]] = {}
    ignored: dict[str, None] = {}
    current: str | None = None
    title = ""
    for line in _COMMENT.sub("", text).splitlines():
        heading = _HEADING.match(line)
        if heading:
            title = heading.group(1).strip()
            current = _HEADINGS.get(title.lower())
            continue
        if current is not None:
            parts.setdefault(current, []).append(line)
        elif title and line.strip():
            ignored[title] = None
    warnings = tuple(
        _BULLET.sub("", ln).strip()
        for ln in parts.get("warnings", [])
        if _BULLET.sub("", ln).strip()
    )
    return Task(
        goal="\n".join(parts.get("goal", [])).strip(),
        format="\n".join(parts.get("format", [])).strip(),
        warnings=warnings,
        tried="\n".join(parts.get("tried", [])).strip(),
        ignored=tuple(ignored),
    )


def read_task(path: Path) -> Task:
    """The task file at `path`, or a one-line error."""
    try:
        return parse_task(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise BriefpackError(f"cannot read task file {path}: {exc}") from None


def new_file_path(folder: Path, name: str) -> Path:
    """`<folder>/<name>.md` for a new task file or note, refusing to overwrite."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "task"
    path = folder / (slug if slug.endswith(".md") else f"{slug}.md")
    if path.exists():
        raise BriefpackError(f"{path} already exists", hint="pick another name, or edit that file")
    return path

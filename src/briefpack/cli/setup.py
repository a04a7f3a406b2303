"""`briefpack init`: a first `.briefpack.toml`, filled from what the repository holds."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from briefpack.brief import CONFIG_NAME, DEFAULT_MODEL, dump_config, find_git_root
from briefpack.errors import BriefpackError
from briefpack.select.kinds import kind
from briefpack.tokens import write_atomic

NOTE_FOLDERS = ("notes", "docs/notes", "doc/notes", ".notes", "docs/adr", "adr", "docs/decisions")
ABOUT_FILES = ("ABOUT.md", "about.md", "notes/about.md", "docs/about.md", "CONTEXT.md")
SCHEMA_NAMES = ("schema.sql", "structure.sql", "schema.prisma", "schema.rb", "schema.graphql")
SKIP_DIRS = {".git", "node_modules", ".venv", "venv", "__pycache__", "dist", "build", ".briefpack"}
_DEPTH = 4

HEADER = """\
# briefpack settings: every key is documented in briefpack's README (Configuration).
# Flags override these; run `briefpack stats` to see what the brief holds.
"""


def init_config(path: Path, *, force: bool) -> Path:
    """Write `.briefpack.toml` at the repository root (or `path` outside git); return its path."""
    if not path.exists():
        raise BriefpackError(f"no such folder: {path}")
    if not path.is_dir():
        raise BriefpackError(f"not a folder: {path}", hint="PATH names the repository's folder")
    root = find_git_root(path.resolve()) or path.resolve()
    target = root / CONFIG_NAME
    if target.exists() and not force:
        raise BriefpackError(f"{target} already exists", hint="pass --force to overwrite it")
    write_atomic(target, (HEADER + dump_config(detect(root))).encode("utf-8"))
    return target


def detect(root: Path) -> dict[str, Any]:
    """Settings suggested by the repository's layout."""
    values: dict[str, Any] = {
        "goal": "",
        "format": "",
        "warnings": [],
        "model": DEFAULT_MODEL,
        "effort": "high",
        "style": "markdown",
    }
    about = next((name for name in ABOUT_FILES if (root / name).is_file()), None)
    if about:
        values["about"] = about
    notes = [f"{d}/**" for d in NOTE_FOLDERS if (root / d).is_dir()]
    if notes:
        values["notes"] = notes
    schema = _schema_globs(root)
    if schema:
        values["schema"] = schema
    return values


def _schema_globs(root: Path) -> list[str]:
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        rel = Path(folder).relative_to(root)
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        if len(rel.parts) >= _DEPTH:
            dirs.clear()
        if rel.name == "migrations":
            # a test app's or an example's migrations say nothing of the real schema
            if kind(f"{rel.as_posix()}/0001_initial.py") == "migration":
                found.append(f"{rel.as_posix()}/**")
            dirs.clear()
            continue
        found.extend(
            (rel / name).as_posix()
            for name in sorted(files)
            if name in SCHEMA_NAMES or name.endswith(".prisma")
        )
    return found

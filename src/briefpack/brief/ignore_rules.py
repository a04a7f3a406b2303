"""Rules in gitignore syntax (`.gitignore`, `.briefpackignore`, `exclude` globs), compiled
once and asked path by path, matched byte by byte as git's wildmatch does."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec


@dataclass(frozen=True)
class Rules:
    """Compiled gitignore-syntax rules from one source, applied to paths below `base`."""

    base: str  # folder of the rule file, relative to root ("" for the root)
    spec: pathspec.GitIgnoreSpec
    lines: tuple[str, ...]
    origin: str  # e.g. ".briefpackignore", "config exclude", "--exclude"

    def check(self, path: str) -> tuple[bool, str] | None:
        """(ignored, source) for `path` if a rule here decides it, else None."""
        if self.base:
            if not path.startswith(self.base + "/"):
                return None
            path = path[len(self.base) + 1 :]
        result = self.spec.check_file(path if path.isascii() else as_bytes(path))
        if result.include is None or result.index is None:
            return None
        where = f"{self.base}/{self.origin}" if self.base else self.origin
        return result.include, f"{where}:{result.index + 1}:{self.lines[result.index]}"


def inline_rules(patterns: Iterable[str], origin: str) -> Rules:
    lines = tuple(patterns)
    return Rules("", compile_rules(lines), lines, origin)


def load_rules(root: Path, rel_dir: str, name: str) -> Rules | None:
    try:
        text = (root / rel_dir / name).read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None
    lines = tuple(text.splitlines())
    return Rules(rel_dir, compile_rules(lines), lines, name)


def compile_rules(lines: Sequence[str]) -> pathspec.GitIgnoreSpec:
    """Gitignore rules; a line git would not understand (a lone `\\`) is ignored, as git does.

    Rules and paths are matched byte by byte, as git's wildmatch does (`?` is one byte, so
    `?.py` does not match `ü.py`): both go through `as_bytes` first."""
    lines = [ln if ln.isascii() else as_bytes(ln) for ln in lines]
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except (ValueError, re.error):  # pathspec's GitIgnorePatternError, or `[z-a]`
        # blank, not dropped: rule i stays on line i
        return pathspec.GitIgnoreSpec.from_lines([ln if _valid(ln) else "" for ln in lines])


def as_bytes(text: str) -> str:
    """`text`'s UTF-8 bytes, one character per byte (so pathspec's patterns see bytes)."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def _valid(line: str) -> bool:
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except (ValueError, re.error):
        return False
    return True


def ignored_by(stacked: Sequence[Rules], path: str) -> str | None:
    """The deciding rule's source if `path` is ignored; the deepest file decides, as in git."""
    for rules in reversed(stacked):
        decision = rules.check(path)
        if decision is not None:
            ignored, source = decision
            return source if ignored else None
    return None

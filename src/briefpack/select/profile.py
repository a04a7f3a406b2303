"""A file's profile for ranking: its terms with counts, its length, and the names it defines.

Profiles depend only on a file's text (and the extension, which picks the definition rules), so
they are cached by content digest like token counts (see `ProfileCache`).
"""

from __future__ import annotations

import hashlib
import marshal
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefpack.select.terms import term_counts
from briefpack.store import cache_dir, write_atomic
from briefpack.tokens import digest

PROFILE_VERSION = 1
_MAX_ENTRIES = 200_000

# Definitions in most languages: `def name`, `class Name`, `function name`, `fn name`,
# `interface Name`, `type Name =`, Go's `func (r T) Name`, and top-level `NAME =` / `export const`.
_DEFINITION = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?:default[ \t]+)?(?:pub(?:\([a-z]+\))?[ \t]+)?(?:async[ \t]+)?"
    r"(?:def|class|function\*?|fn|func(?:[ \t]*\([^)]*\))?|interface|type|enum|struct|trait|"
    r"module|object|record|const|let|var)[ \t]+([A-Za-z_$][\w$]*)"
    r"|^([A-Za-z_][\w]*)[ \t]*(?::[^=\n]+)?=[^=]",
    re.MULTILINE,
)


@dataclass(frozen=True)
class Profile:
    """What ranking needs of one file's text."""

    length: int  # terms in all
    terms: dict[str, int]
    defines: tuple[str, ...]  # names defined at any depth, in order, without repeats


def profile(text: str) -> Profile:
    """The profile of a file's text."""
    counts = term_counts(text)
    names = dict.fromkeys(a or b for a, b in _DEFINITION.findall(text))
    return Profile(sum(counts.values()), dict(counts), tuple(n for n in names if len(n) > 2))


@dataclass
class ProfileCache:
    """Profiles by text digest, in one marshal file per repository (marshal: the fastest
    format the standard library reads, for a few megabytes read at every build)."""

    path: Path | None
    entries: dict[str, tuple[int, dict[str, int], tuple[str, ...]]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    dirty: bool = False

    @classmethod
    def for_root(cls, root: Path) -> ProfileCache:
        """The profile cache of the repository at `root`, outside the work tree."""
        key = hashlib.sha1(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        path = cache_dir() / "profiles" / f"{key}.marshal"
        return cls(path=path, entries=_read(path))

    def get(self, text: str) -> Profile:
        """The profile of `text`, from the cache or made now."""
        key = digest(text)
        self.used.add(key)
        held = self.entries.get(key)
        if held is not None:
            return Profile(*held)
        made = profile(text)
        self.entries[key] = (made.length, made.terms, made.defines)
        self.dirty = True
        return made

    def save(self) -> None:
        """Write the cache back, keeping only what this run used once it grows too large."""
        if self.path is None or not self.dirty:
            return
        entries = self.entries
        if len(entries) > _MAX_ENTRIES:
            entries = {k: v for k, v in entries.items() if k in self.used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, marshal.dumps((PROFILE_VERSION, entries)))
        except OSError:
            pass  # an unwritable cache only costs time on the next run
        self.dirty = False


def profiles(texts: Sequence[str], cache: ProfileCache | None) -> list[Profile]:
    """The profile of each text."""
    if cache is None:
        return [profile(t) for t in texts]
    return [cache.get(t) for t in texts]


def _read(path: Path) -> dict[str, tuple[int, dict[str, int], tuple[str, ...]]]:
    """The cache's entries; a missing, corrupt or older file counts as empty."""
    try:
        data = marshal.loads(path.read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    if not (isinstance(data, tuple) and len(data) == 2 and data[0] == PROFILE_VERSION):
        return {}
    entries = data[1]
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if _well_formed(v)}


def _well_formed(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 3
        and isinstance(value[0], int)
        and isinstance(value[1], dict)
        and isinstance(value[2], tuple)
    )

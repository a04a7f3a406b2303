"""Centrality, the goal-free ranking's signal: how many code files use the distinctive names a
file defines, kept from one build to the next.

Each file contributes what it defines (`owns`: its names over five characters, lower-cased, when
it is code that weighs fully) and, when it is code, the terms it holds that some file's name
stands for (`uses`: its terms within the repository's vocabulary, every defined name and its
stem). A name defined by at most three files is distinctive; each code file using one counts
once for each file defining it (not for itself). The last build's contributions are kept by
path and profile key: as long as no file defines a name new to the repository, a build needs the
profiles of its changed files only (a snapshot at a commit reads no other); a new name needs
every code file's terms again, to find who uses it.
"""

from __future__ import annotations

import hashlib
import marshal
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import NamedTuple

from briefpack.select.kinds import is_code, kind_weight
from briefpack.select.profile import Profile
from briefpack.select.terms import stemmed
from briefpack.tokens.store import cache_dir, write_atomic


class Part(NamedTuple):
    """One file's contribution, and the key of the profile it comes from."""

    key: str
    owns: tuple[str, ...]
    uses: Collection[str]  # a set, or as loaded, a tuple (making 60,000 sets costs 10 ms)


def owns_of(path: str, profile: Profile) -> tuple[str, ...]:
    """The names a file defines that may be distinctive (repeats kept: each is a definition)."""
    if not (is_code(path) and kind_weight(path) >= 1.0):
        return ()
    return tuple(name.lower() for name in profile.defines if len(name) > 5)


def vocabulary(owns: Iterable[Sequence[str]]) -> frozenset[str]:
    """Every term a defined name stands for in profiles: the name, and its stem."""
    names = {name for found in owns for name in found}  # each once: names repeat
    return frozenset(names).union(map(stemmed, names))


def definers(owns: Sequence[Sequence[str]]) -> dict[str, list[int]]:
    """Distinctive name (defined by at most three code files) -> the files defining it."""
    owners: dict[str, list[int]] = defaultdict(list)
    for i, names in enumerate(owns):
        for name in names:
            owners[name].append(i)
    return {name: found for name, found in owners.items() if len(found) <= 3}


def term_names(found: Mapping[str, list[int]]) -> dict[str, str]:
    """The terms under which a file's profile holds each defined name: the name, lower-cased,
    and (a one-word name is stemmed in profiles) its stem."""
    stems = {stemmed(name): name for name in found}
    return stems | {name: name for name in found}


def used_by(
    paths: Sequence[str], owns: Sequence[Sequence[str]], uses: Sequence[Collection[str]]
) -> list[int]:
    """For each file, how many uses of its distinctive names the code files make (`uses`: each
    file's terms, or those within the vocabulary)."""
    distinctive = definers(owns)
    names = term_names(distinctive)
    counts = [0] * len(paths)
    for user, terms in enumerate(uses):
        if not is_code(paths[user]):
            continue  # a changelog or a doc naming things is not a use: edits there reshuffle
        for name in {names[t] for t in names.keys() & terms}:
            for owner in distinctive[name]:
                if owner != user:  # not its own use
                    counts[owner] += 1
    return counts


@dataclass
class CentralCache:
    """The last build's contributions of a repository, by path in that build's order, with
    their vocabulary and what `used_by` made of them (one marshal file)."""

    path: Path | None
    parts: dict[str, Part] = field(default_factory=dict)
    words: frozenset[str] | None = None  # vocabulary() of the parts' owns
    counts: tuple[int, ...] | None = None  # used_by() of the parts, in their order

    @classmethod
    def for_root(cls, root: Path) -> CentralCache:
        """The cache of the repository at `root`, outside the work tree; empty when missing,
        corrupt or made by other code."""
        key = hashlib.sha1(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        path = cache_dir() / "central" / f"{key}.marshal"
        try:
            version, rows, words, counts = marshal.loads(path.read_bytes())
            if version != _version():
                return cls(path)
            parts = {p: Part(k, tuple(o), tuple(u)) for p, (k, o, u) in rows.items()}
            if len(counts) != len(parts):
                return cls(path, parts)
            return cls(path, parts, frozenset(words), tuple(counts))
        except (OSError, ValueError, EOFError, TypeError):
            return cls(path)

    def save(self) -> None:
        """Write the contributions back."""
        if self.path is None:
            return
        rows = {p: (part.key, part.owns, tuple(part.uses)) for p, part in self.parts.items()}
        words = tuple(self.words) if self.words is not None else ()
        counts = self.counts if self.words is not None and self.counts is not None else ()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, marshal.dumps((_version(), rows, words, counts)))
        except (OSError, ValueError):
            pass  # an unwritable cache only costs time on the next run


def centrality(
    paths: Sequence[str],
    keys: Sequence[str],
    profiles: Callable[[Sequence[int]], Sequence[Profile]],
    cache: CentralCache,
) -> list[int]:
    """`used_by` for `paths`, whose profiles have `keys`: each file's contribution from the
    cache while its key is the same and the vocabulary gained no term, else from its profile
    (`profiles(indexes)`, asked at most twice). The cache then holds this build's. When the
    paths are the last build's, in its order, and every changed file contributes what it did
    (an edit that defines and uses the same names), the result is the last build's."""
    held = cache.parts
    same_paths = list(held) == list(paths)
    before = cache.words if same_paths and cache.words is not None else None
    if before is None:
        before = vocabulary(part.owns for part in held.values())
    changed = [i for i, (p, k) in enumerate(zip(paths, keys, strict=True)) if _key(held, p) != k]
    fresh = dict(zip(changed, profiles(changed), strict=True))
    owns = [owns_of(p, fresh[i]) if i in fresh else held[p].owns for i, p in enumerate(paths)]
    same_owns = same_paths and all(owns[i] == held[paths[i]].owns for i in fresh)
    words = before if same_owns else vocabulary(owns)
    if not words <= before:  # a new name: who uses it is in every code file's profile
        rest = [i for i, p in enumerate(paths) if is_code(p) and i not in fresh]
        fresh |= dict(zip(rest, profiles(rest), strict=True))
    uses = [
        frozenset()
        if not is_code(p)
        else words.intersection(fresh[i].terms)
        if i in fresh
        else held[p].uses
        if words is before  # within the vocabulary they were made with
        else words.intersection(held[p].uses)
        for i, p in enumerate(paths)
    ]
    last = cache.counts
    same = (
        same_owns
        and last is not None
        and all(uses[i] == frozenset(held[paths[i]].uses) for i in fresh)
    )
    cache.parts = {p: Part(k, o, u) for p, k, o, u in zip(paths, keys, owns, uses, strict=True)}
    cache.words = words
    cache.counts = last if same and last is not None else tuple(used_by(paths, owns, uses))
    return list(cache.counts)


def _key(held: Mapping[str, Part], path: str) -> str | None:
    part = held.get(path)
    return part.key if part is not None else None


@cache
def _version() -> str:
    """The code that makes profiles and contributions: a change to it starts afresh."""
    h = hashlib.sha256()
    for name in ("central", "profile", "terms", "kinds"):
        h.update(Path(__file__).with_name(f"{name}.py").read_bytes())
    return h.hexdigest()[:16]

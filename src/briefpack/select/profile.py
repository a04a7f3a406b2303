"""A file's profile for ranking: its terms with counts, its length, and the names it defines;
and the on-disk caches (by content digest) that keep profiles and outlines across runs.
"""

from __future__ import annotations

import hashlib
import importlib
import marshal
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Self

from briefpack.select.kinds import CONTENT_WEIGHT, is_code, kind_weight
from briefpack.select.outline import Outline, outline
from briefpack.select.terms import term_counts
from briefpack.select.treesit import has_grammar
from briefpack.tokens.count import digest
from briefpack.tokens.parallel import forking_pays, map_forked, split_runs
from briefpack.tokens.progress import SILENT, Progress, in_runs
from briefpack.tokens.store import cache_dir, read_marshal, write_atomic

CACHE_VERSION = 2
_MAX_ENTRIES = 200_000
JOURNAL = 2048  # entries a cache's journal holds before they are merged into its file

# Definitions in most languages: `def name`, `class Name`, `function name`, `fn name`,
# `interface Name`, `type Name =`, `export const name`; then top-level `NAME =` (two simple
# patterns run faster than one with both: ~0.4 s against ~0.56 s on Django's 18 MB of code).
_KEYWORD_DEFINITION = re.compile(
    r"^[ \t]*(?:(?:export|default|pub|async|public|private|protected|static|abstract)[ \t]+)*"
    r"(?:def|class|function\*?|fn|func(?:[ \t]*\([^)\n]*\))?|interface|type|enum|struct|trait|module|"
    r"object|record|"
    r"const|let|var)[ \t]+([A-Za-z_$][\w$]*)",
    re.MULTILINE,
)
_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)[ \t]*(?::[^=\n]+)?=(?!=)", re.MULTILINE)


@dataclass(frozen=True)
class Profile:
    """What ranking needs of one file's text."""

    length: int  # terms in all
    terms: dict[str, int]
    defines: tuple[str, ...]  # names defined at any depth, in order, without repeats


EMPTY = Profile(0, {}, ())


def profile(text: str, *, code: bool = True) -> Profile:
    """The profile of a file's text; definitions only for `code` (prose defines nothing)."""
    counts = term_counts(text)
    names = (
        dict.fromkeys([*_KEYWORD_DEFINITION.findall(text), *_ASSIGNMENT.findall(text)])
        if code
        else {}
    )
    return Profile(sum(counts.values()), counts, tuple(n for n in names if len(n) > 2))


@dataclass
class DigestCache:
    """Values by a text's digest, in one marshal file per repository and kind (marshal: the
    fastest format the standard library reads, for the megabytes read at every build), read
    when first asked. What a run makes is kept in a journal beside it, read with it, until the
    journal holds JOURNAL entries: a commit that makes one profile writes one, not 6 MB."""

    path: Path | None
    loaded: dict[str, Any] | None = None  # the entries, once read (None: not yet)
    made: dict[str, Any] = field(default_factory=dict)  # what this run made, to be written
    used: set[str] = field(default_factory=set)

    KIND: ClassVar[str] = "digests"  # the cache's folder

    @classmethod
    def for_root(cls, root: Path) -> Self:
        """This kind's cache of the repository at `root`, outside the work tree."""
        key = hashlib.sha1(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return cls(path=cache_dir() / cls.KIND / f"{key}.marshal")

    @staticmethod
    def valid(value: object) -> bool:
        """Whether a value read back is well formed."""
        return value is not None

    @property
    def entries(self) -> dict[str, Any]:
        """Every entry (read now, the first time): well-formed ones, the journal's last."""
        if self.loaded is None:
            read = _read(self.path) | _read(self._journal()) if self.path else {}
            self.loaded = {k: v for k, v in read.items() if self.valid(v)} | self.made
        return self.loaded

    @property
    def dirty(self) -> bool:
        """Whether this run made something to write."""
        return bool(self.made)

    def get(self, key: str, make: Callable[[], Any]) -> Any:
        """The value under `key`, from the cache or made now."""
        self.used.add(key)
        held = self.entries.get(key)
        if held is None:
            held = self.put(key, make())
        return held

    def known(self, key: str) -> Any | None:
        """The value under `key` if the cache holds it (kept, as used), else None."""
        held = self.entries.get(key)
        if held is not None:
            self.used.add(key)
        return held

    def put(self, key: str, value: Any) -> Any:
        """Keep `value` under `key` (made now, without looking it up); return it."""
        self.used.add(key)
        self.made[key] = value
        if self.loaded is not None:
            self.loaded[key] = value
        return value

    def save(self) -> None:
        """Write what was made: to the journal while it is small, else merged into the cache
        file (keeping only what this run used once it grows too large)."""
        if self.path is None or not self.made:
            return
        journal = _read(self._journal())
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if len(journal) + len(self.made) <= JOURNAL and self.path.exists():
                write_atomic(self._journal(), marshal.dumps((_version(), journal | self.made)))
            else:
                entries = self.entries
                if len(entries) > _MAX_ENTRIES:
                    entries = {k: v for k, v in entries.items() if k in self.used}
                write_atomic(self.path, marshal.dumps((_version(), entries)))
                self._journal().unlink(missing_ok=True)
        except (OSError, ValueError):
            pass  # an unwritable cache only costs time on the next run
        self.made = {}

    def _journal(self) -> Path:
        assert self.path is not None
        return self.path.with_suffix(".journal")


class ProfileCache(DigestCache):
    """Profiles by text digest."""

    KIND = "profiles"

    @staticmethod
    def valid(value: object) -> bool:
        """A profile's three parts."""
        return _is_profile(value)

    def profile(self, text: str, *, code: bool = True) -> Profile:
        """The profile of `text`, from the cache or made now."""
        made = self.get(_key(text, code), lambda: _flat(profile(text, code=code)))
        return Profile(*made)

    def made_now(self, path: str, text: str) -> Profile:
        """The profile of a file's new text, as `profiles` gives it, made and kept without
        reading the cache (a changed file's text is seldom there, and looking reads it all)."""
        if kind_weight(path) <= CONTENT_WEIGHT:
            return EMPTY
        code = is_code(path)
        return Profile(*self.put(_key(text, code), _flat(profile(text, code=code))))

    def held(self, path: str, text_digest: str) -> Profile | None:
        """The profile of a file known by its text's digest only (`digest`), as `profiles`
        would give it; None when the cache lacks it."""
        if kind_weight(path) <= CONTENT_WEIGHT:
            return EMPTY
        made = self.known(profile_key(path, text_digest))
        return None if made is None else Profile(*made)


class OutlineCache(DigestCache):
    """Outlines by the digest of a file's name ending and text (the ending picks the parser)."""

    KIND = "outlines"

    @staticmethod
    def valid(value: object) -> bool:
        """An outline's text (or None) and problem."""
        return _is_outline(value)

    def outline(self, path: str, text: str) -> Outline:
        """The outline of `text` (a file named `path`), from the cache or made now."""
        made = self.get(_outline_key(path, digest(text)), lambda: tuple(outline(path, text)))
        return Outline(*made)

    def held(self, path: str, text_digest: str) -> Outline | None:
        """The outline of a file known by its text's digest only; None when the cache lacks it."""
        made = self.known(_outline_key(path, text_digest))
        return None if made is None else Outline(*made)


def _outline_key(path: str, text_digest: str) -> str:
    ending = path.rsplit("/", 1)[-1].rsplit(".", 1)[-1] if "." in path else ""
    grammar = int(has_grammar(ending))  # a grammar installed later outlines it anew
    return f"{ending}:{grammar}:{text_digest}"


def profiles(
    paths: Sequence[str],
    texts: Sequence[str],
    cache: ProfileCache | None,
    progress: Progress = SILENT,
) -> list[Profile]:
    """The profile of each file; an empty one for a file whose kind weighs too little for its
    words to count (a translation catalog's words say nothing of the code: it ranks by path).
    Much text to profile afresh is profiled on every core. `progress` advances by each file."""
    wanted = [kind_weight(p) > CONTENT_WEIGHT for p in paths]
    ahead = 0
    if cache is not None:
        items = [(p, t) for p, t, w in zip(paths, texts, wanted, strict=True) if w]
        ahead = _profile_ahead(cache, items, progress)
    make = cache.profile if cache is not None else profile
    made = [
        make(text, code=is_code(path)) if want else EMPTY
        for path, text, want in in_runs(
            list(zip(paths, texts, wanted, strict=True)), SILENT if ahead else progress
        )
    ]
    if ahead:  # the rest were in the cache, or too few to count
        progress.advance(len(paths) - ahead)
    return made


def _profile_ahead(
    cache: ProfileCache, items: Sequence[tuple[str, str]], progress: Progress
) -> int:
    """Put in the cache, made on every core, the profiles it lacks, when there is much text;
    how many were made so (`progress` has advanced by them)."""
    todo = [(p, t) for p, t in items if _key(t, is_code(p)) not in cache.entries]
    workers = forking_pays(sum(len(t) for _, t in todo))
    if not workers:
        return 0
    batches = split_runs(todo, workers * 4, lambda item: len(item[1]))
    done = map_forked(_profile_batch, batches, workers=workers, progress=progress)
    if done is None:
        return 0  # a worker died: profiled here, one by one, as they are asked for
    for batch, made in zip(batches, done, strict=True):
        for (path, text), flat in zip(batch, made, strict=True):
            cache.put(_key(text, is_code(path)), flat)
    return len(todo)


def _profile_batch(
    batch: list[tuple[str, str]],
) -> list[tuple[int, dict[str, int], tuple[str, ...]]]:
    return [_flat(profile(text, code=is_code(path))) for path, text in batch]


def _key(text: str, code: bool) -> str:
    return f"{int(code)}{digest(text)}"


def profile_key(path: str, text_digest: str) -> str:
    """What a file's profile is kept under: whether it is code, and its text's digest."""
    return f"{int(is_code(path))}{text_digest}"


def _flat(made: Profile) -> tuple[int, dict[str, int], tuple[str, ...]]:
    return (made.length, made.terms, made.defines)


@cache
def _version() -> str:
    """The cache format and the code that makes profiles and outlines: a change to either
    starts the caches afresh."""
    h = hashlib.sha256(str(CACHE_VERSION).encode())
    for name in ("profile", "terms", "kinds", "outline", "treesit"):
        module = importlib.import_module(f"briefpack.select.{name}")
        h.update(Path(module.__file__ or "").read_bytes())
    return h.hexdigest()[:16]


def _read(path: Path) -> dict[str, Any]:
    """The cache's entries; a missing, corrupt or older file counts as empty."""
    return read_marshal(path, _version())


def _is_profile(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 3
        and isinstance(value[0], int)
        and isinstance(value[1], dict)
        and isinstance(value[2], tuple)
    )


def _is_outline(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], str | None)
        and isinstance(value[1], str)
    )

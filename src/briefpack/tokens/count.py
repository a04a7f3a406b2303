"""Tokens: exact counts (encodings.py loads the tokenizer), and an on-disk count cache."""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from briefpack.tokens.progress import SILENT, Progress
from briefpack.tokens.store import cache_dir, read_marshal, write_atomic
from briefpack.tokens.threads import Counting

if TYPE_CHECKING:
    import tiktoken


CACHE_VERSION = 2  # 2: marshal (JSON before: a warm build of 100,000 files spent 0.04 s on it)
_MAX_CACHE_ENTRIES = 200_000


def digest(text: str) -> str:
    """The content key of a text: blake2b-128 of its UTF-8 bytes."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass
class TokenCache:
    """Counts by (encoding, text digest), in one marshal file per repository; each count is
    checked when used."""

    path: Path | None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    used: set[tuple[str, str]] = field(default_factory=set)
    dirty: bool = False

    @classmethod
    def for_root(cls, root: Path) -> TokenCache:
        """The cache of the repository at `root`, outside the work tree."""
        key = hashlib.sha1(str(root.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        path = cache_dir() / "tokens" / f"{key}.marshal"
        return cls(path=path, counts=_read_cache(path))

    def get(self, encoding: str, key: str) -> int | None:
        """A cached count, or None."""
        value = self.counts.get(encoding, {}).get(key)
        if type(value) is not int or value < 0:
            return None  # none, or damaged
        self.used.add((encoding, key))
        return value

    def put(self, encoding: str, key: str, count: int) -> None:
        """Remember a count."""
        self.counts.setdefault(encoding, {})[key] = count
        self.used.add((encoding, key))
        self.dirty = True

    def save(self) -> None:
        """Merge with what another run may have written meanwhile, then replace atomically."""
        if self.path is None or not self.dirty:
            return
        merged = _read_cache(self.path)
        for encoding, table in self.counts.items():
            merged.setdefault(encoding, {}).update(table)
        _trim(merged, self.used)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, marshal.dumps((CACHE_VERSION, merged)))
            self.path.with_suffix(".json").unlink(missing_ok=True)  # version 1's
        except OSError:
            pass  # a cache that cannot be written only costs time on the next run
        self.dirty = False


def _read_cache(path: Path) -> dict[str, dict[str, int]]:
    """The cache file's tables (each count checked when used); anything unreadable, corrupt or
    foreign counts as empty."""
    tables = read_marshal(path, CACHE_VERSION)
    return {e: t for e, t in tables.items() if isinstance(e, str) and isinstance(t, dict)}


def _trim(tables: dict[str, dict[str, int]], used: set[tuple[str, str]]) -> None:
    total = sum(len(t) for t in tables.values())
    if total <= _MAX_CACHE_ENTRIES:
        return
    for encoding, table in tables.items():
        tables[encoding] = {k: v for k, v in table.items() if (encoding, k) in used}


class TokenCounter:
    """Exact counts for one encoding, each distinct text encoded at most once per run."""

    def __init__(self, encoding: str, cache: TokenCache | None = None) -> None:
        self.encoding_name = encoding
        self.cache = cache or TokenCache(path=None)
        self.encoded: set[str] = set()  # digests of the texts this run actually encoded
        self._encoding: tiktoken.Encoding | None = None
        self._keys: dict[str, str] = {}  # text -> digest, so no text is hashed twice in a run

    def key(self, text: str) -> str:
        """The digest of `text` (computed once per run)."""
        key = self._keys.get(text)
        if key is None:
            key = self._keys[text] = digest(text)
        return key

    def was_encoded(self, text: str) -> bool:
        """Whether this run encoded `text` (rather than finding its count in the cache)."""
        return self.key(text) in self.encoded

    def count(self, texts: Sequence[str], progress: Progress = SILENT) -> list[int]:
        """The token count of each text (tiktoken `encode_ordinary`: special tokens are text);
        `progress` advances by each text, with its tokens."""
        keys = [self.key(text) for text in texts]
        found: dict[str, int] = {}
        todo: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key in found or key in todo:
                continue
            cached = self.cache.get(self.encoding_name, key)
            if cached is None:
                todo[key] = text
            else:
                found[key] = cached
        known = [found[key] for key in keys if key in found]
        progress.advance(len(known), sum(known))
        fresh = self._encode(todo, progress)  # advances by each text it encodes
        again = [fresh[key] for key in keys if key in fresh]  # a text twice is counted once
        progress.advance(len(again) - len(fresh), sum(again) - sum(fresh.values()))
        found.update(fresh)
        return [found[key] for key in keys]

    def _load(self) -> tiktoken.Encoding:
        if self._encoding is None:
            from briefpack.tokens.encodings import load_encoding  # (tempfile, gzip: ~10 ms)

            self._encoding = load_encoding(self.encoding_name)
        return self._encoding

    def _encode(self, todo: dict[str, str], progress: Progress) -> dict[str, int]:
        if not todo:
            return {}
        from briefpack.tokens import child as tokenchild

        remote = tokenchild.counts(self.encoding_name, list(todo.values()))
        if remote is not None:  # the hook's child: nobody watches
            counts = dict(zip(todo, remote, strict=True))
        else:
            counts = Counting(self._load(), list(todo.items()), progress).wait()
        for key, n in counts.items():
            self.cache.put(self.encoding_name, key, n)
        self.encoded.update(counts)
        return counts

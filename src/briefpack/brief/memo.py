"""What the last snapshot already holds, so a commit that changes one file reads one file.

For each staged blob the last snapshot carried verbatim, the memo keeps where its segment sits in
the snapshot file (by byte offset) and where its text (scanned, redacted) sits in that segment,
with the segment's token count, the text's sha256, size, read note and secret findings. For each
other text blob (a code file the ladder left as an outline or a path) it keeps what ranking and
the ladder need: its text's digest (the key of its profile and outline in their caches), its
full-text segment's count, read note and findings; and for a blob skipped, why. A snapshot build
takes a blob that is unchanged (same path, same blob id, same settings) from there instead of
asking git for it and decoding, scanning, rendering, counting and hashing it again; a blob known
by its digest alone stays unread (parts.Unread) unless the fit puts it in full. The result is
byte-identical to a full build (tests/test_memo.py compares them).
Only the segments taken are decoded: the snapshot as one string would be four bytes a character as
soon as one file holds an emoji. The memo lives in the cache folder, beside the token cache, and
is used only while the snapshot file on disk is the one it describes (checked by sha256) and the
code and settings that made it are the same.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefpack.brief.config import Config
from briefpack.brief.discover import Skip
from briefpack.brief.parts import Prior, Segment, Unread
from briefpack.brief.read import SourceFile
from briefpack.errors import BriefpackError
from briefpack.secrets.scan import Finding, scanner_id
from briefpack.tokens.store import cache_dir

MEMO_VERSION = 4  # 3: rows for the blobs not carried verbatim ("known": digest and count);
# 4: their count is estimated (tokens/estimate.py), as a fitted build plans on

Read = SourceFile | Skip | Unread  # what reading one staged blob gave, or what the memo knew


class StaleMemo(BriefpackError):
    """A blob read again does not match what the memo said of it: build without the memo."""


@dataclass(slots=True)  # not frozen: made once per blob at every commit, and frozen costs
class Held:
    """One blob as the last snapshot had it: its read result (an Unread for a text it did not
    carry verbatim), and for a text it carried its sha256 and secret findings (the text is
    already scanned and redacted)."""

    blob: str
    read: Read
    sha256: str = ""
    findings: tuple[Finding, ...] = ()
    prior: Prior | None = None  # its segment, when it can be used again as it is
    data: bytes = b""  # that segment's bytes in the snapshot file
    inside: int = -1  # where the text starts in the segment


@dataclass
class Memo:
    """The blobs of the last snapshot, for a snapshot of the same repository with the same key;
    or the files of the last build of a work tree (worktree.py: keyed by stat, not blob).

    Rows are turned into `Held` values only when taken: a commit touches few of thousands."""

    path: Path | None
    key: str
    rows: dict[str, list[Any]] = field(default_factory=dict)
    raw: bytes | None = None  # the snapshot file the rows point into, as read and checked
    taken: dict[str, Held] = field(default_factory=dict)
    tokens: int = 0  # a work tree's (worktree.py): its code files' tokens in full, last time

    @classmethod
    def load(cls, context_path: Path, key: str) -> Memo:
        """The memo for the snapshot at `context_path`; empty when missing, stale or corrupt."""
        path = cache_dir() / "snapshots" / f"{cache_name(context_path)}.marshal"
        return cls.read(path, context_path, key)

    @classmethod
    def read(cls, path: Path, text_path: Path, key: str) -> Memo:
        """The memo at `path`, whose rows point into the file at `text_path` (checked by its
        sha256: edited, or another build's, since); empty when missing, stale or corrupt."""
        memo = cls(path=path, key=key)
        try:
            data = marshal.loads(path.read_bytes())
            if data["briefpack_memo"] != MEMO_VERSION or data["key"] != key:
                return memo
            raw = text_path.read_bytes()
            if hashlib.sha256(raw).hexdigest() != data["context_sha256"]:
                return memo
            memo.rows = dict(data["files"])
            memo.raw = raw
            memo.tokens = int(data.get("tokens", 0))
        except (OSError, ValueError, TypeError, KeyError, IndexError, EOFError):
            memo.rows, memo.raw = {}, None
        return memo

    def take(self, path: str, blob: str, *, unread: bool = False) -> Held | None:
        """What the last snapshot (or build) had for `path`, if it was this very blob (or
        stat); one it knew without its text only when the caller takes it `unread`
        (parts.Unread)."""
        row = self.rows.get(path)
        try:
            if row is None or row[0] != blob or (row[1] == "known" and not unread):
                return None
            held = _held(path, row, self.raw or b"")
        except (ValueError, TypeError, IndexError, KeyError):
            return None  # a damaged row: read the blob again
        self.taken[path] = held
        return held

    def known(self) -> dict[str, tuple[str, tuple[Finding, ...]]]:
        """Path -> (text, findings) of every text taken: already scanned, not to scan again."""
        return {
            p: (h.read.text, h.findings)
            for p, h in self.taken.items()
            if isinstance(h.read, SourceFile)
        }

    def prior(self) -> dict[str, Prior]:
        """Path -> the segment of every text taken that can be used again as it is."""
        return {p: h.prior for p, h in self.taken.items() if h.prior is not None}

    def reused(self, segment: Segment) -> Held | None:
        """What the memo holds for `segment`, if it is the very segment taken from it."""
        held = self.taken.get(segment.path or "")
        if held is None or held.prior is None or held.prior.text is not segment.text:
            return None
        return held

    def sha256(self, path: str, text: str) -> str | None:
        """The sha256 of a doc's text as the memo holds it, if the text is the one it holds."""
        held = self.taken.get(path)
        if held is not None and isinstance(held.read, SourceFile) and held.read.text == text:
            return held.sha256
        return None


def code_id() -> str:
    """Changes whenever the code that reads, scans or renders a file changes, or the model
    table (which gives each model its encoding, and so its counts)."""
    from briefpack.brief import guard, langs, parts, read, staged
    from briefpack.brief import render as brief
    from briefpack.secrets import guard as scan_cache

    h = hashlib.sha256(scanner_id().encode())
    modules = (
        __file__,
        str(Path(scan_cache.__file__).parents[1] / "tokens" / "models.toml"),  # encodings
        str(Path(scan_cache.__file__).parents[1] / "tokens" / "estimate.py"),  # known rows
        read.__file__,
        staged.__file__,
        guard.__file__,
        scan_cache.__file__,
        brief.__file__,
        parts.__file__,
        langs.__file__,
    )
    for module in modules:
        h.update(Path(module).read_bytes())
    return h.hexdigest()[:16]


def settings_key(config: Config) -> str:
    """The memo key for builds with this config: the reading, scanning and rendering code, and
    the settings that change what a file reads, renders or counts as."""
    return memo_key(
        code_id(),
        {
            "max_size": config.max_file_size if config.default_excludes else None,
            "secrets": config.secrets,
            "allow": list(config.secrets_allow_files),
            "style": config.style,
            "model": [config.model, config.models],
        },
    )


def memo_key(code_id: str, settings: Mapping[str, Any]) -> str:
    """The key under which blobs are reused: the reading, scanning and rendering code, and the
    settings that change what a blob reads, renders or counts as (size cap, secrets mode,
    allowed files, style, encoding)."""
    blob = json.dumps([MEMO_VERSION, code_id, settings], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _held(path: str, row: list[Any], raw: bytes) -> Held:
    blob, kind = row[0], row[1]
    if kind == "skip":
        return Held(blob, Skip(path, str(row[2]), str(row[3])))
    if kind == "known":
        note, found, digest, tokens = row[2:6]
        if not (type(note) is type(digest) is str and type(tokens) is int):
            raise TypeError("a damaged row")
        known = Unread(path, str(digest), int(tokens), str(note), _findings(path, found))
        return Held(blob, known)
    start, end, inside, length, size, sha, note, found, section, tokens = row[2:12]
    if not (type(note) is type(section) is type(sha) is str and type(tokens) is int):
        raise TypeError("a damaged row")
    if not (0 <= start <= end <= len(raw)):
        raise ValueError("span outside the snapshot")
    data = raw[start:end]
    segment = data.decode("utf-8", "surrogateescape")
    if not (0 <= inside <= inside + length <= len(segment)):
        raise ValueError("span outside the segment")
    text = segment[inside : inside + length]
    read = SourceFile(path, text, size, note)
    prior = Prior(section, text, segment, tokens) if tokens >= 0 else None
    return Held(blob, read, sha, _findings(path, found) if found else (), prior, data, inside)


def _findings(path: str, rows: list[Any]) -> tuple[Finding, ...]:
    """A row's findings, checked: a damaged one makes the row unusable (ValueError)."""
    if not rows:
        return ()
    found = tuple(Finding(path, *f) for f in rows)
    for f in found:
        if not (type(f.line) is type(f.start) is type(f.end) is int and type(f.kind) is str):
            raise ValueError("a damaged finding")
    return found


def cache_name(context_path: Path) -> str:
    """A file name for what the cache keeps of `context_path` (a snapshot, a work tree)."""
    return hashlib.sha1(str(context_path).encode("utf-8", "surrogatepass")).hexdigest()[:16]

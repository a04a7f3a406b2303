"""What the last snapshot already holds, so a commit that changes one file reads one file.

For each staged blob the last snapshot carried, the memo keeps where its text (scanned, redacted)
sits in the snapshot file, with its sha256, size, read note and secret findings, or why it was
skipped. A snapshot build takes a blob that is unchanged (same path, same blob id, same settings)
from there instead of asking git for it and decoding, scanning and hashing it again; the result is
byte-identical to a full build (tests/test_memo.py compares them). The memo lives in the cache
folder, beside the token cache, and is used only while the snapshot file on disk is the one it
describes (checked by sha256) and the code and settings that made it are the same.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefpack.brief import Doc, Segment
from briefpack.discover import Skip
from briefpack.read import SourceFile
from briefpack.secrets import Finding, scanner_id
from briefpack.tokens import cache_dir, write_atomic

MEMO_VERSION = 1

Read = SourceFile | Skip  # what reading one staged blob gave


@dataclass(frozen=True)
class Held:
    """One blob as the last snapshot had it: its read result, and for a text its sha256 and
    secret findings (the text is already scanned and redacted)."""

    blob: str
    read: Read
    sha256: str = ""
    findings: tuple[Finding, ...] = ()


@dataclass
class Memo:
    """The blobs of the last snapshot, for a snapshot of the same repository with the same key.

    Rows are turned into `Held` values only when taken: a commit touches few of thousands."""

    path: Path | None
    key: str
    rows: dict[str, list[Any]] = field(default_factory=dict)
    text: str = ""  # the snapshot the rows point into
    taken: dict[str, Held] = field(default_factory=dict)

    @classmethod
    def load(cls, context_path: Path, key: str) -> Memo:
        """The memo for the snapshot at `context_path`; empty when missing, stale or corrupt."""
        path = cache_dir() / "snapshots" / f"{_name(context_path)}.marshal"
        memo = cls(path=path, key=key)
        try:
            data = marshal.loads(path.read_bytes())
            if data["briefpack_memo"] != MEMO_VERSION or data["key"] != key:
                return memo
            raw = context_path.read_bytes()
            if hashlib.sha256(raw).hexdigest() != data["context_sha256"]:
                return memo  # the snapshot file changed since (edited, another branch)
            memo.text = raw.decode("utf-8", "surrogateescape")
            memo.rows = dict(data["files"])
        except (OSError, ValueError, TypeError, KeyError, IndexError, EOFError):
            memo.rows = {}
        return memo

    def take(self, path: str, blob: str) -> Held | None:
        """What the last snapshot had for `path`, if it was this very blob."""
        row = self.rows.get(path)
        if row is None or row[0] != blob:
            return None
        try:
            held = _held(path, row, self.text)
        except (ValueError, TypeError, IndexError):
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

    def sha256(self, path: str, text: str) -> str:
        """The sha256 of a doc's text, from the memo when the text is the one it holds."""
        held = self.taken.get(path)
        if held is not None and isinstance(held.read, SourceFile) and held.read.text == text:
            return held.sha256
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def code_id() -> str:
    """Changes whenever the code that reads and scans a blob changes."""
    from briefpack import guard, read, staged

    h = hashlib.sha256(scanner_id().encode())
    for module in (__file__, read.__file__, staged.__file__, guard.__file__):
        h.update(Path(module).read_bytes())
    return h.hexdigest()[:16]


def memo_key(code_id: str, settings: Mapping[str, Any]) -> str:
    """The key under which blobs are reused: the reading and scanning code, and the settings
    that change what a blob reads as (size cap, secrets mode, allowed files)."""
    blob = json.dumps([MEMO_VERSION, code_id, settings], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def save_memo(
    memo: Memo,
    *,
    context_sha256: str,
    segments: tuple[Segment, ...],
    docs: Mapping[str, Doc],
    reads: Mapping[str, tuple[str, Read]],
    findings: tuple[Finding, ...],
    shas: Mapping[str, str],
) -> None:
    """Remember where each blob's text sits in the snapshot just written (its `segments`),
    and that snapshot's sha256."""
    if memo.path is None:
        return
    found: dict[str, list[tuple[int, str, int, int]]] = {}
    for f in findings:
        found.setdefault(f.path, []).append((f.line, f.kind, f.start, f.end))
    files: dict[str, list[Any]] = {}
    for path, (blob, result) in reads.items():
        if isinstance(result, Skip):
            files[path] = [blob, "skip", result.reason, result.source]
    for path, start in _doc_offsets(segments, docs):
        blob, result = reads[path]
        if isinstance(result, SourceFile) and path in shas:
            end = start + len(docs[path].text)
            row = [result.size, shas[path], result.note, found.get(path, [])]
            files[path] = [blob, "text", start, end, *row]
    data = {
        "briefpack_memo": MEMO_VERSION,
        "key": memo.key,
        "context_sha256": context_sha256,
        "files": files,
    }
    memo.path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(memo.path, marshal.dumps(data))


def _doc_offsets(
    segments: tuple[Segment, ...], docs: Mapping[str, Doc]
) -> Iterator[tuple[str, int]]:
    """(path, offset in the text) of each doc whose text appears verbatim in its segment (in
    XML, a text wrapped in CDATA does not: it is read again next time)."""
    at = 0
    for segment in segments:
        doc = docs.get(segment.path) if segment.path is not None else None
        if doc is not None:
            inside = segment.text.find(doc.text)
            if inside >= 0:
                yield doc.path, at + inside
        at += len(segment.text)


def _held(path: str, row: list[Any], text: str) -> Held:
    blob, kind = row[0], row[1]
    if kind == "skip":
        return Held(blob, Skip(path, str(row[2]), str(row[3])))
    start, end, size, sha, note, found = row[2:8]
    if not (0 <= start <= end <= len(text)):
        raise ValueError("span outside the snapshot")
    read = SourceFile(path=path, text=text[start:end], size=size, note=note)
    return Held(blob, read, sha, tuple(Finding(path, *f) for f in found))


def _name(context_path: Path) -> str:
    return hashlib.sha1(str(context_path).encode("utf-8", "surrogatepass")).hexdigest()[:16]

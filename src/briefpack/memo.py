"""What the last snapshot already holds, so a commit that changes one file reads one file.

For each staged blob the last snapshot carried, the memo keeps where its text (scanned, redacted)
sits in the snapshot file, with its sha256, size, read note and secret findings, or why it was
skipped. A snapshot build takes a blob that is unchanged (same path, same blob id, same settings)
from there instead of asking git for it and decoding, scanning and hashing it again; the result is
byte-identical to a full build (tests/test_hook.py compares them). The memo lives in the cache
folder, beside the token cache, and is used only while the snapshot file on disk is the one it
describes (checked by sha256) and the code and settings that made it are the same.
"""

from __future__ import annotations

import hashlib
import json
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
    """The blobs of the last snapshot, for a snapshot of the same repository with the same key."""

    path: Path | None
    key: str
    held: dict[str, Held] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, context_path: Path, key: str) -> Memo:
        """The memo for the snapshot at `context_path`; empty when missing, stale or corrupt."""
        path = cache_dir() / "snapshots" / f"{_name(context_path)}.json"
        memo = cls(path=path, key=key)
        try:
            data = json.loads(path.read_bytes())
            if data.get("briefpack_memo") != MEMO_VERSION or data.get("key") != key:
                return memo
            raw = context_path.read_bytes()
            if hashlib.sha256(raw).hexdigest() != data["context_sha256"]:
                return memo  # the snapshot file changed since (edited, another branch)
            text = raw.decode("utf-8", "surrogateescape")
            memo.held = dict(_parse(data["files"], text))
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError):
            memo.held = {}
        return memo

    def take(self, path: str, blob: str) -> Held | None:
        """What the last snapshot had for `path`, if it was this very blob."""
        held = self.held.get(path)
        if held is None or held.blob != blob:
            return None
        self.taken.add(path)
        return held

    def known(self) -> dict[str, tuple[str, tuple[Finding, ...]]]:
        """Path -> (text, findings) of every text taken: already scanned, not to scan again."""
        return {
            p: (h.read.text, h.findings)
            for p in self.taken
            if isinstance((h := self.held[p]).read, SourceFile)
        }

    def sha256(self, path: str, text: str) -> str:
        """The sha256 of a doc's text, from the memo when the text is the one it holds."""
        held = self.held.get(path) if path in self.taken else None
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
    context: str,
    segments: tuple[Segment, ...],
    docs: Mapping[str, Doc],
    reads: Mapping[str, tuple[str, Read]],
    findings: tuple[Finding, ...],
    shas: Mapping[str, str],
) -> None:
    """Remember where each blob's text sits in `context` (the snapshot just written)."""
    if memo.path is None:
        return
    found: dict[str, list[list[Any]]] = {}
    for f in findings:
        found.setdefault(f.path, []).append([f.line, f.kind, f.start, f.end])
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
        "context_sha256": hashlib.sha256(context.encode("utf-8", "surrogateescape")).hexdigest(),
        "files": files,
    }
    memo.path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(memo.path, json.dumps(data, ensure_ascii=False).encode("utf-8", "surrogatepass"))


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


def _parse(files: dict[str, list[Any]], text: str) -> Iterator[tuple[str, Held]]:
    for path, row in files.items():
        blob, kind = row[0], row[1]
        if kind == "skip":
            yield path, Held(blob, Skip(path, row[2], row[3]))
            continue
        start, end, size, sha, note, found = row[2:8]
        if not (0 <= start <= end <= len(text)):
            raise ValueError("span outside the snapshot")
        read = SourceFile(path=path, text=text[start:end], size=size, note=note)
        findings = tuple(Finding(path, line, what, a, b) for line, what, a, b in found)
        yield path, Held(blob, read, sha, findings)


def _name(context_path: Path) -> str:
    return hashlib.sha1(str(context_path).encode("utf-8", "surrogatepass")).hexdigest()[:16]

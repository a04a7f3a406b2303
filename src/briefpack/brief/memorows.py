"""The memo's writing side, shared by the snapshot (keyed by blob) and the work tree (keyed by
stat): the brief's bytes, and for each file read, the row a later build takes it back by: where
its segment and text sit in those bytes (a text carried verbatim), or what is known of a code file
not carried (its digest and tokens in full), or why it was skipped. The reading side, and the
rows' format, are in memo.py."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from briefpack.brief.discover import Skip
from briefpack.brief.memo import Memo, Read
from briefpack.brief.parts import Brief, Doc, Segment, Unread
from briefpack.brief.read import SourceFile
from briefpack.secrets.scan import Finding


@dataclass(frozen=True)
class Written:
    """A brief's bytes: each segment's UTF-8 (cheaper than joining the text first, which is
    four bytes a character as soon as one file holds an emoji), joined only when asked for."""

    pieces: tuple[bytes, ...]

    @classmethod
    def of(cls, segments: Sequence[Segment], memo: Memo | None) -> Written:
        """A segment taken from the memo brings its bytes along."""
        pieces = []
        for segment in segments:
            held = memo.reused(segment) if memo is not None else None
            pieces.append(held.data if held is not None else utf8(segment.text))
        return cls(tuple(pieces))

    @functools.cached_property
    def data(self) -> bytes:
        return b"".join(self.pieces)

    @functools.cached_property
    def sizes(self) -> tuple[int, ...]:
        """Each segment's length in bytes, for the memo."""
        return tuple(len(p) for p in self.pieces)

    def same_as(self, old: bytes | None) -> bool:
        """Whether these are the bytes of `old`, without joining them."""
        if old is None or sum(self.sizes) != len(old):
            return False
        view, at = memoryview(old), 0
        for piece in self.pieces:
            if view[at : at + len(piece)] != piece:
                return False
            at += len(piece)
        return True

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for piece in self.pieces:
            digest.update(piece)
        return digest.hexdigest()


def utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def carried_docs(brief: Brief) -> list[Doc]:
    """The docs a brief carries, in brief order (code files in full, then outlined)."""
    about = [brief.about] if brief.about is not None else []
    files = [d for d in brief.files if isinstance(d, Doc)]  # none is unread once chosen
    return [*about, *brief.notes, *brief.schema, *brief.outlines, *files]


def memo_rows(
    memo: Memo,
    *,
    segments: Sequence[Segment],
    counts: Sequence[int],
    sizes: Sequence[int],
    separated: bool,
    docs: Mapping[str, Doc],
    reads: Mapping[str, tuple[str, Read]],
    findings: Iterator[Finding] | Sequence[Finding],
    shas: Mapping[str, str],
    known: Mapping[str, tuple[str, int]],
) -> dict[str, list[Any]]:
    """The rows for the brief just written (`sizes`: each segment's length in bytes there):
    for each text carried verbatim (in `docs` and `shas`), where its segment and text sit; for
    each other text in `known` (a code file as an outline or a path: path -> its text's digest
    and its tokens in full), what a later build needs to leave it unread; for each skip, why.
    `reads`: path -> (its blob id or stat, what reading it gave). `separated`: Markdown, where a
    segment ends with a blank line unless it is the last (which is then not reused: its count
    would not hold once another segment follows it)."""
    found: dict[str, list[tuple[int, str, int, int]]] = {}
    for f in findings:
        found.setdefault(f.path, []).append((f.line, f.kind, f.start, f.end))
    files: dict[str, list[Any]] = {}
    for path, (blob, result) in reads.items():
        if isinstance(result, Skip) and blob:
            files[path] = [blob, "skip", result.reason, result.source]
    last = len(segments) - 1
    for i, (segment, start, inside) in enumerate(_doc_spans(memo, segments, sizes, docs)):
        path = segment.path or ""
        if inside < 0 or path not in reads:
            continue
        blob, result = reads[path]
        if blob and isinstance(result, SourceFile) and path in shas:
            tokens = -1 if separated and i == last else counts[i]
            span = [start, start + sizes[i], inside, len(docs[path].text)]
            row = [result.size, shas[path], result.note, found.get(path, [])]
            files[path] = [blob, "text", *span, *row, segment.section, tokens]
    for path, (digest, tokens) in known.items():
        if path in files or path not in reads:
            continue
        blob, result = reads[path]
        if blob and isinstance(result, SourceFile | Unread):
            files[path] = [blob, "known", result.note, found.get(path, []), digest, tokens]
    return files


def _doc_spans(
    memo: Memo, segments: Sequence[Segment], sizes: Sequence[int], docs: Mapping[str, Doc]
) -> Iterator[tuple[Segment, int, int]]:
    """Every segment, with its byte offset in the brief and, when it carries a doc that was
    read, where the doc's text starts in it (when it is there verbatim: in XML a text wrapped
    in CDATA is not, and is read again next time); (segment, offset, -1) otherwise."""
    at = 0
    for segment, size in zip(segments, sizes, strict=True):
        doc = docs.get(segment.path) if segment.path is not None else None
        held = memo.reused(segment)
        if held is not None:
            yield segment, at, held.inside
        else:
            yield segment, at, segment.text.find(doc.text) if doc is not None else -1
        at += size

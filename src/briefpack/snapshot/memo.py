"""The memo's writing side: after a snapshot is written, remember where each blob's segment and
text sit in it, and what is known of the code files it does not carry verbatim, so the next
commit's build reads only the blobs that changed (the reading side, and the memo's format, are in
briefpack.brief.memo)."""

from __future__ import annotations

import marshal
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from briefpack.brief.discover import Skip
from briefpack.brief.memo import MEMO_VERSION, Memo, Read
from briefpack.brief.parts import Doc, Segment, Unread
from briefpack.brief.read import SourceFile
from briefpack.secrets.scan import Finding
from briefpack.tokens.store import write_atomic


def save_memo(
    memo: Memo,
    *,
    context_sha256: str,
    segments: Sequence[Segment],
    counts: Sequence[int],
    sizes: Sequence[int],
    separated: bool,
    docs: Mapping[str, Doc],
    reads: Mapping[str, tuple[str, Read]],
    findings: tuple[Finding, ...],
    shas: Mapping[str, str],
    known: Mapping[str, tuple[str, int]],
) -> None:
    """Remember where each blob's segment sits in the snapshot just written (`sizes`: each
    segment's length in bytes there), where its text sits in the segment, and the snapshot's
    sha256; and for each other text in `known` (a code file as an outline or a path: path ->
    its text's digest and its tokens in full) what a later build needs to leave it unread.
    `separated`: Markdown, where a segment ends with a blank line unless it is the last (which
    is then not reused: its count would not hold once another segment follows it)."""
    if memo.path is None:
        return
    found: dict[str, list[tuple[int, str, int, int]]] = {}
    for f in findings:
        found.setdefault(f.path, []).append((f.line, f.kind, f.start, f.end))
    files: dict[str, list[Any]] = {}
    for path, (blob, result) in reads.items():
        if isinstance(result, Skip):
            files[path] = [blob, "skip", result.reason, result.source]
    last = len(segments) - 1
    for i, (segment, start, inside) in enumerate(_doc_spans(memo, segments, sizes, docs)):
        path = segment.path or ""
        if inside < 0 or path not in reads:
            continue
        blob, result = reads[path]
        if isinstance(result, SourceFile) and path in shas:
            tokens = -1 if separated and i == last else counts[i]
            span = [start, start + sizes[i], inside, len(docs[path].text)]
            row = [result.size, shas[path], result.note, found.get(path, [])]
            files[path] = [blob, "text", *span, *row, segment.section, tokens]
    for path, (digest, tokens) in known.items():
        if path in files or path not in reads:
            continue
        blob, result = reads[path]
        if isinstance(result, SourceFile | Unread):
            files[path] = [blob, "known", result.note, found.get(path, []), digest, tokens]
    data = {
        "briefpack_memo": MEMO_VERSION,
        "key": memo.key,
        "context_sha256": context_sha256,
        "files": files,
    }
    memo.path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(memo.path, marshal.dumps(data))


def _doc_spans(
    memo: Memo, segments: Sequence[Segment], sizes: Sequence[int], docs: Mapping[str, Doc]
) -> Iterator[tuple[Segment, int, int]]:
    """Every segment, with its byte offset in the snapshot and, when it carries a doc read from
    the index, where the doc's text starts in it (when it is there verbatim: in XML a text
    wrapped in CDATA is not, and is read again next time); (segment, offset, -1) otherwise."""
    at = 0
    for segment, size in zip(segments, sizes, strict=True):
        doc = docs.get(segment.path) if segment.path is not None else None
        held = memo.reused(segment)
        if held is not None:
            yield segment, at, held.inside
        else:
            yield segment, at, segment.text.find(doc.text) if doc is not None else -1
        at += size

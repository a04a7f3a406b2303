"""The secrets stage applied to a brief: every text it carries is scanned before it is rendered,
then redacted, blocked or allowed.

It runs between reading and rendering, so whatever leaves the process (clipboard, stdout, a file,
`send`, the snapshot) is made from scanned parts. The scanning and its cache are the secrets
package's; this module knows the brief's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

import pathspec

from briefpack.brief.config import Config
from briefpack.brief.parts import Brief, Doc, Unread
from briefpack.secrets import SecretsMode
from briefpack.secrets.guard import ScanCache, SecretsError
from briefpack.secrets.scan import Finding, describe, redact
from briefpack.tokens.progress import SILENT, Progress


def guard_brief(
    brief: Brief,
    *,
    mode: SecretsMode,
    allow_files: Sequence[str] = (),
    cache: ScanCache | None = None,
    known: Mapping[str, tuple[str, tuple[Finding, ...]]] | None = None,
    progress: Progress = SILENT,
    per_file: dict[str, tuple[Finding, ...]] | None = None,
) -> tuple[Brief, tuple[Finding, ...]]:
    """Scan every part of `brief`; return it redacted (mode `redact`) or as is, with the findings.

    `known`: path -> (text, findings) of docs already scanned and redacted by an earlier build
    with the same settings (the snapshot memo); a doc with that very text is taken as it is.
    `per_file`: given, filled with each file's own findings (by path: a file may be named
    like the goal). Raises SecretsError in mode `block` when anything is found.
    """
    scanner = cache or ScanCache(path=None)
    known = known or {}
    spec = pathspec.GitIgnoreSpec.from_lines(allow_files)

    def allowed(name: str) -> bool:
        return bool(allow_files) and spec.match_file(name)

    findings: list[Finding] = []

    def clean(text: str, name: str) -> str:
        if allowed(name):
            return text
        found = scanner.scan(text, name)
        findings.extend(found)
        return redact(text, found) if found and mode == "redact" else text

    def clean_doc(doc: Doc) -> Doc:
        before = len(findings)
        done = known.get(doc.path)
        if done is not None and (done[0] is doc.text or done[0] == doc.text):
            findings.extend(done[1])
        else:
            doc = Doc(doc.path, clean(doc.text, doc.path))
        if per_file is not None:
            per_file[doc.path] = tuple(findings[before:])
        return doc

    def clean_file(doc: Doc | Unread) -> Doc | Unread:
        if isinstance(doc, Doc):
            return clean_doc(doc)
        findings.extend(doc.findings)  # scanned and redacted when it was read
        if per_file is not None:
            per_file[doc.path] = doc.findings
        return doc

    read = (*([brief.about] if brief.about else []), *brief.notes, *brief.schema, *brief.files)
    progress.start("scanning for secrets", len(read))
    ahead = [
        (d.text, d.path)
        for d in read
        if isinstance(d, Doc) and d.path not in known and not allowed(d.path)
    ]
    progress.advance(len(read) - len(ahead))  # known already, allowed, or unread (scanned)
    scanner.prescan(ahead, progress)
    guarded = _map_texts(brief, clean, clean_doc, clean_file)
    scanner.save()
    if findings and mode == "block":
        raise SecretsError(
            f"{len(findings)} secret(s) found, nothing was written: {describe(findings)}",
            hint="remove them, or mark a false positive with `pragma: allowlist secret` "
            "on its line, or use --secrets redact",
        )
    return guarded, tuple(findings)


def keeps_texts(config: Config) -> bool:
    """Whether caches may keep what texts hold (their terms, outlines, the last brief's text):
    not without the cache, nor when secrets are left in (`--secrets allow`)."""
    return config.cache and config.secrets != "allow"


def guard_text(text: str, name: str, *, mode: SecretsMode) -> tuple[str, tuple[Finding, ...]]:
    """The same for one finished text (`send --brief FILE`)."""
    doc = Brief(files=(Doc(name, text),))
    guarded, findings = guard_brief(doc, mode=mode)
    (guarded_doc,) = guarded.files
    assert isinstance(guarded_doc, Doc)
    return guarded_doc.text, findings


def _map_texts(
    brief: Brief,
    clean: Callable[[str, str], str],
    clean_doc: Callable[[Doc], Doc],
    clean_file: Callable[[Doc | Unread], Doc | Unread],
) -> Brief:
    """`brief` with `clean(text, name)` applied to every text it carries (`clean_doc` to docs
    read from files, `clean_file` to code files)."""

    def docs(items: tuple[Doc, ...]) -> tuple[Doc, ...]:
        return tuple(clean_doc(d) for d in items)

    return replace(
        brief,
        goal=clean(brief.goal, "goal"),
        format=clean(brief.format, "format"),
        warnings=tuple(clean(w, f"warning {i}") for i, w in enumerate(brief.warnings, 1)),
        about=None if brief.about is None else docs((brief.about,))[0],
        tried=clean(brief.tried, "tried"),
        notes=docs(brief.notes),
        schema=docs(brief.schema),
        files=tuple(clean_file(d) for d in brief.files),
        changes=tuple(Doc(d.path, clean(d.text, d.path)) for d in brief.changes),
    )

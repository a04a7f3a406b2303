"""The secret scan: find credentials in a text, name their kind, replace them by a marker.

Detection uses detect-secrets' own detectors (imported lazily: ~0.08 s, paid only when some text
is not in the scan cache) run over whole texts, plus rules for kinds it does not know (Anthropic
and new-style OpenAI keys, whole private-key blocks, Azure client secrets, GCP keys, values
assigned to secret-sounding names). Each regex runs only on texts holding one of its literals: a
substring test is ~100x cheaper than most of the regexes. A finding is a span and a kind; its
value is never printed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from briefpack.secrets.library import load_library
from briefpack.secrets.rules import (
    ASSIGNMENT,
    GENERIC,
    NAME_ROOTS,
    PRIVATE_KEY,
    RULES,
    URL_PASSWORD,
    Detector,
)
from briefpack.secrets.values import (
    URL_PASSWORD_MIN,
    looks_secret,
    plausible_token,
    secret_name,
)

ALLOW_LINE = "pragma: allowlist secret"
ALLOW_NEXT_LINE = "pragma: allowlist nextline secret"

Span = tuple[int, int, str]


@dataclass(frozen=True)
class Finding:
    """A secret in one text: where it is and what kind it is (never its value)."""

    path: str
    line: int
    kind: str
    start: int
    end: int


_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/")
_UNWIDENED = frozenset({PRIVATE_KEY, URL_PASSWORD, "slack-webhook", GENERIC})


@cache
def scanner_id() -> str:
    """Changes whenever the rules or detect-secrets change, so cached findings never go stale.

    Every module of this package counts (the rules, the library's loading, the scan, and any
    module added later), not a list that a new module could miss. detect-secrets' version is read
    from its `__version__.py` without importing the package (its import costs ~0.1 s,
    importlib.metadata's ~0.02 s; a warm build needs neither)."""
    from importlib.util import find_spec

    spec = find_spec("detect_secrets")
    where = spec.submodule_search_locations if spec is not None else None
    version = Path(next(iter(where or [""])), "__version__.py")
    h = hashlib.sha256(version.read_bytes() if version.is_file() else b"")
    for module in sorted(Path(__file__).parent.glob("*.py")):
        h.update(module.name.encode() + b"\0" + module.read_bytes())
    return h.hexdigest()[:16]


def scan_text(text: str, path: str) -> list[Finding]:
    """Every secret in `text` (named `path`, which only the findings carry)."""
    if len(text) < 8:
        return []
    spans = [*_detector_spans(text), *_named_spans(text)]
    findings: list[Finding] = []
    line, counted = 1, 0
    for start, end, kind in _merge(_widen(text, s) for s in spans):
        line += text.count("\n", counted, start)
        counted = start
        if not _allowed(text, start):
            findings.append(Finding(path, line, kind, start, end))
    return findings


def preload() -> None:
    """Load detect-secrets' rules now (before forking workers that should inherit them)."""
    load_library()


def redact(text: str, findings: Sequence[Finding]) -> str:
    """`text` with each finding replaced by `[redacted: kind]`."""
    parts: list[str] = []
    at = 0
    for f in sorted(findings, key=lambda f: f.start):
        parts += [text[at : f.start], f"[redacted: {f.kind}]"]
        at = f.end
    parts.append(text[at:])
    return "".join(parts)


def describe(findings: Sequence[Finding], limit: int = 3) -> str:
    """A short, value-free list: `a.env:2 aws-access-key, b.py:9 jwt (+4 more)`."""
    shown = ", ".join(f"{f.path}:{f.line} {f.kind}" for f in findings[:limit])
    more = len(findings) - limit
    return shown + (f" (+{more} more)" if more > 0 else "")


def _detector_spans(text: str) -> Iterator[Span]:
    detectors, by_literal = _gated()
    wanted: set[int] = set()
    for literal, indexes in by_literal.items():
        if literal in text:
            wanted.update(indexes)
    for index in sorted(wanted):  # in detector order: a tie between spans goes to the first
        yield from _matches(text, detectors[index])


@cache
def _gated() -> tuple[tuple[Detector, ...], dict[str, tuple[int, ...]]]:
    """Every detector (ours first), and for each literal the detectors it lets run."""
    detectors = (*RULES, *load_library())
    by_literal: dict[str, list[int]] = {}
    for index, detector in enumerate(detectors):
        for literal in detector.literals:
            by_literal.setdefault(literal, []).append(index)
    return detectors, {literal: tuple(found) for literal, found in by_literal.items()}


def _named_spans(text: str) -> Iterator[Span]:
    """Values given to secret-named keys, looked for only on lines that hold a secret word."""
    for start, end in _candidate_lines(text):
        if end - start > 5000:
            continue  # minified or generated: the assignment regex would crawl
        for match in ASSIGNMENT.finditer(text, start, end):
            quoted = match.group("quoted")
            value = match.group("bare") if quoted is None else quoted
            if secret_name(match.group("name")) and looks_secret(value, quoted=quoted is not None):
                group = "bare" if quoted is None else "quoted"
                yield match.start(group), match.end(group), GENERIC


def _candidate_lines(text: str) -> list[tuple[int, int]]:
    """Bounds of the lines holding a secret-sounding word (substring search, no regex)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters change length when lowered
        bounds = _line_bounds_all(text)
        return [(a, b) for a, b in bounds if any(r in text[a:b].lower() for r in NAME_ROOTS)]
    found: dict[int, int] = {}
    for root in NAME_ROOTS:
        at = lowered.find(root)
        while at >= 0:
            start, end = _line_bounds(text, at)
            found[start] = end
            at = lowered.find(root, end)
    return sorted(found.items())


def _matches(text: str, detector: Detector) -> Iterator[Span]:
    """Each credible match's value: its non-empty groups, or the whole match when it has none."""
    pattern, kind = detector.pattern, detector.kind
    for match in pattern.finditer(text):
        if not _credible(kind, match):
            continue
        groups = [i for i in range(1, pattern.groups + 1) if match.group(i)]
        for group in groups or [0]:
            yield match.start(group), match.end(group), kind


def _credible(kind: str, match: re.Match[str]) -> bool:
    """A private key is one; a URL's password passes the floor of values given to secret-named
    keys; a provider token (the whole match: detect-secrets' groups may hold only its prefix, or
    only the value after a name) has a valid checksum and is no published example or
    placeholder."""
    if kind == PRIVATE_KEY:
        return True
    if kind == URL_PASSWORD:  # a URL's password is seldom long: the entropy floor does the rest
        return looks_secret(match.group(1), min_length=URL_PASSWORD_MIN)
    return plausible_token(match[0])


def _widen(text: str, span: Span) -> Span:
    """Grow a span to the whole token it sits in, so no tail of a secret is left behind."""
    start, end, kind = span
    if kind in _UNWIDENED:
        return span
    while start > 0 and text[start - 1] in _TOKEN_CHARS:
        start -= 1
    tail = _TOKEN_CHARS | {"="} | ({"."} if kind == "jwt" else set())
    while end < len(text) and text[end] in tail:
        end += 1
    return start, end, kind


def _merge(spans: Iterable[Span]) -> list[Span]:
    """Overlapping spans become one, named after the widest (a specific kind wins a tie)."""
    merged: list[Span] = []
    for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
        if merged and start < merged[-1][1]:
            first, last, named = merged[-1]
            size, old = end - start, last - first
            wins = size > old or (size == old and named == GENERIC)
            merged[-1] = (first, max(end, last), kind if wins else named)
        else:
            merged.append((start, end, kind))
    return merged


def _line_bounds(text: str, offset: int) -> tuple[int, int]:
    """Start and end (after its newline) of the line holding `offset`."""
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return start, len(text) if end < 0 else end + 1


def _line_bounds_all(text: str) -> list[tuple[int, int]]:
    bounds, at = [], 0
    for line in text.splitlines(keepends=True):
        bounds.append((at, at + len(line)))
        at += len(line)
    return bounds


def _allowed(text: str, offset: int) -> bool:
    """An inline `pragma: allowlist secret` (detect-secrets' own convention) silences a line."""
    start, end = _line_bounds(text, offset)
    before = text[_line_bounds(text, start - 1)[0] : start] if start > 0 else ""
    return ALLOW_LINE in text[start:end] or ALLOW_NEXT_LINE in before

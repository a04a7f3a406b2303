"""Scanning many texts for secrets: a scan cache by content digest (so a warm build scans nothing),
the scan spread over cores for large inputs, and the error raised when secrets block a brief.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from briefpack.errors import BriefpackError, ExitCode
from briefpack.secrets import SecretsMode
from briefpack.secrets.scan import (
    Finding,
    preload,
    scan_text,
    scanner_id,
)
from briefpack.tokens.count import digest
from briefpack.tokens.parallel import cores, split_runs
from briefpack.tokens.progress import SILENT, Progress, in_runs
from briefpack.tokens.store import cache_dir, read_marshal, write_atomic

_MAX_ENTRIES = 100_000


class SecretsError(BriefpackError):
    """Secrets were found and the mode is `block`."""

    exit_code = ExitCode.SECRETS


class ScanCache:
    """Findings by (file type, text digest), in one marshal file per repository (marshal: a
    hundred thousand entries load in a few hundredths of a second, where JSON took a quarter),
    read when first needed; each entry is checked when used."""

    def __init__(
        self, path: Path | None, entries: dict[str, list[list[Any]]] | None = None
    ) -> None:
        self.path = path
        self._entries = entries  # None: read from `path` when first needed
        self.used: set[str] = set()
        self.dirty = False
        self.keys: dict[tuple[str, str], str] = {}

    @classmethod
    def for_root(cls, root: Path) -> ScanCache:
        """The scan cache of the repository at `root`, outside the work tree."""
        key = hashlib.sha1(str(root).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return cls(path=cache_dir() / "secrets" / f"{key}.marshal")

    @property
    def entries(self) -> dict[str, list[list[Any]]]:
        if self._entries is None:
            self._entries = _read(self.path) if self.path is not None else {}
        return self._entries

    def key(self, text: str, path: str) -> str:
        """The extension as written (no rule reads it today, but one that reads the file type
        must never be served another type's findings: `x.C` is not `x.c`; split off with no Path
        per file) and the text's digest, computed once per text and name in a run."""
        key = self.keys.get((text, path))
        if key is None:
            extension = os.path.splitext(path)[1]  # noqa: PTH122
            key = self.keys[text, path] = f"{extension}:{digest(text)}"
        return key

    def prescan(self, items: Sequence[tuple[str, str]], progress: Progress = SILENT) -> None:
        """Scan ahead the (text, name) pairs the cache lacks, all at once, so that much text is
        scanned on every core (`scan_texts` decides); `scan` then finds them here. `progress`
        advances by one for each item."""
        todo: dict[str, tuple[str, str]] = {}
        for text, name in items:
            key = self.key(text, name)
            cached = self.entries.get(key)
            if cached is None or not _well_formed(cached):
                todo.setdefault(key, (text, name))
        progress.advance(len(items) - len(todo))  # known already, or the same text again
        for key, found in zip(todo, scan_texts(list(todo.values()), progress), strict=True):
            self.entries[key] = [[f.line, f.kind, f.start, f.end] for f in found]
            self.dirty = True

    def scan(self, text: str, path: str) -> list[Finding]:
        """`scan_text`, remembered by content and extension."""
        key = self.key(text, path)
        self.used.add(key)
        cached = self.entries.get(key)
        if cached is not None and _well_formed(cached):
            return [Finding(path, line, kind, start, end) for line, kind, start, end in cached]
        findings = scan_text(text, path)
        self.entries[key] = [[f.line, f.kind, f.start, f.end] for f in findings]
        self.dirty = True
        return findings

    def save(self) -> None:
        """Merge with what another run may have written, then replace atomically."""
        if self.path is None or not self.dirty:
            return
        merged = {**_read(self.path), **self.entries}
        if len(merged) > _MAX_ENTRIES:
            merged = {k: v for k, v in merged.items() if k in self.used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self.path, marshal.dumps((_version(), merged)))
            self.path.with_suffix(".json").unlink(missing_ok=True)  # before version 3
        except OSError:
            pass  # an unwritable cache only costs time on the next run
        self.dirty = False


PARALLEL_SCAN_CHARS = 4_000_000  # below this, a second process costs more than it saves


def scan_texts(
    items: Sequence[tuple[str, str]], progress: Progress = SILENT
) -> list[list[Finding]]:
    """`scan_text` of each (text, name), on every core when there is much to scan; `progress`
    advances as runs of them are done (here, after each batch a worker sends back).

    The scan is pure-Python regex work, which holds the GIL, so threads would not help: forked
    worker processes (which inherit the loaded rules) each take batches of about 1 MB. Only
    on Linux (macOS' fork is not safe with its system libraries); elsewhere, and for little
    text, it runs in this process.
    Workers ignore Ctrl-C: the parent stops, and they finish their batch and go. If a worker
    dies, the whole scan runs again in this process."""
    workers = min(cores(), 8)
    size = sum(len(text) for text, _ in items)
    if workers < 2 or size < PARALLEL_SCAN_CHARS or not sys.platform.startswith("linux"):
        return [scan_text(text, name) for text, name in in_runs(items, progress)]
    import multiprocessing  # here: ~12 ms to import, and most runs (every hook) never get here
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    preload()  # the rules, loaded once here, inherited by every worker
    batches = split_runs(items, max(1, size // (1 << 20)), lambda item: len(item[0]))
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_quiet_worker) as pool:
            done = []
            for batch, found in zip(batches, pool.map(_scan_batch, batches), strict=True):
                done.append(found)
                progress.advance(len(batch))
    except BrokenProcessPool:  # a worker died (killed, out of memory): scan here instead
        return [scan_text(text, name) for text, name in items]
    return [found for batch in done for found in batch]


def _scan_batch(batch: list[tuple[str, str]]) -> list[list[Finding]]:
    return [scan_text(text, name) for text, name in batch]


def _quiet_worker() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _version() -> str:
    """The scanner's code, and the format: version 2 keeps the extension's case (version 1
    lower-cased it, so one file's findings could serve another that its rules read otherwise);
    version 3 is marshal (JSON before)."""
    return f"{scanner_id()}/3"


def _read(path: Path) -> dict[str, list[list[Any]]]:
    """The cache's entries (each checked when used); anything unreadable, corrupt or from
    another version counts as empty."""
    return read_marshal(path, _version())


def _well_formed(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(f, list)
        and len(f) == 4
        and isinstance(f[1], str)
        and all(isinstance(n, int) and not isinstance(n, bool) for n in (f[0], f[2], f[3]))
        for f in value
    )


def finding_lines(findings: Sequence[Finding], mode: SecretsMode) -> list[str]:
    """One line per secret found: where and what kind, never the value."""
    action = "left in (--secrets allow)" if mode == "allow" else "redacted"
    return [f"{f.path}:{f.line}: {f.kind} {action}" for f in findings]

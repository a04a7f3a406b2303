"""Reading for a brief: from the work tree, or from git's index for a snapshot, taking what a
memo holds (the last snapshot's, brief/memo.py; the work tree's, brief/worktree.py), and reading
the files a memo left unread when they go in in full after all."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from briefpack.brief.config import Settings
from briefpack.brief.discover import Skip
from briefpack.brief.guard import guard_brief
from briefpack.brief.memo import Memo, Read, StaleMemo
from briefpack.brief.parts import Brief, Doc, ReadTexts, Unread
from briefpack.brief.read import SourceFile, read_files
from briefpack.brief.staged import Entry, read_staged
from briefpack.brief.worktree import read_worktree
from briefpack.secrets.guard import ScanCache
from briefpack.tokens.count import digest
from briefpack.tokens.progress import SILENT, Progress


@dataclass
class Reader:
    """Reads from the work tree, or (with `entries`) from git's index, taking what the memo
    holds; with a memo it logs each path's blob (staged) or stat (work tree) and what reading
    it gave, for the next memo."""

    root: Path
    entries: dict[str, Entry] | None
    memo: Memo | None = None
    reads: dict[str, tuple[str, Read]] = field(default_factory=dict)
    whole: bool = False  # the files fit whole: none is taken unread (worktree.load_worktree)
    stamped: Mapping[str, str] = field(default_factory=dict)  # discovery's stamps

    def read(
        self,
        paths: Sequence[str],
        max_size: int | None,
        progress: Progress = SILENT,
        *,
        unread: Collection[str] = (),
    ) -> tuple[list[SourceFile | Unread], list[Skip]]:
        """Each path's text or why it is skipped, in `paths`' order; the paths in `unread`
        may come back as Unread, when the memo knows them without their text. `progress`
        advances by each path, taken from the memo or read."""
        if self.entries is None and self.memo is None:
            files, skips = read_files(self.root, paths, max_size=max_size, progress=progress)
            return list(files), skips
        if self.entries is None:
            assert self.memo is not None
            self.reads |= read_worktree(
                self.root,
                paths,
                self.memo,
                max_size=max_size,
                unread=() if self.whole else unread,
                stamped=self.stamped,
                progress=progress,
            )
            return _split([self.reads[p][1] for p in paths if p in self.reads])
        results: dict[str, Read] = {}
        for path in paths:
            ident = self.entries[path].ident
            held = self.memo.take(path, ident, unread=path in unread) if self.memo else None
            if held is not None:
                results[path] = held.read
        progress.advance(len(results))
        rest = [p for p in paths if p not in results]
        files, skipped = read_staged(
            self.root, self.entries, rest, max_size=max_size, progress=progress
        )
        results |= {f.path: f for f in files} | {k.path: k for k in skipped}
        self.reads |= {p: (self.entries[p].ident, r) for p, r in results.items()}
        return _split([results[p] for p in paths if p in results])  # paths' order, as read_files

    def texts(self, paths: Sequence[str], max_size: int | None) -> list[SourceFile]:
        """The texts of files the memo left unread, read after all (the fit puts them in
        full), staged or from the work tree; StaleMemo if one is no longer a text."""
        if self.entries is None:
            files, skipped = read_files(self.root, paths, max_size=max_size)
        else:
            files, skipped = read_staged(self.root, self.entries, paths, max_size=max_size)
        if skipped:
            raise StaleMemo(f"{skipped[0].path}: {skipped[0].reason}, not a text as remembered")
        if len(files) < len(paths):
            read = {f.path for f in files}
            gone = next(p for p in paths if p not in read)
            raise StaleMemo(f"{gone}: gone, not a text as remembered")
        if self.entries is not None:
            self.reads |= {f.path: (self.entries[f.path].ident, f) for f in files}
        else:  # kept by the stat it was taken by (its digest is checked before it is used)
            self.reads |= {f.path: (self.reads.get(f.path, ("", f))[0], f) for f in files}
        return files


def _split(results: Sequence[Read]) -> tuple[list[SourceFile | Unread], list[Skip]]:
    return (
        [r for r in results if not isinstance(r, Skip)],
        [r for r in results if isinstance(r, Skip)],
    )


def unread_texts(
    reader: Reader,
    brief: Brief,
    settings: Settings,
    scans: ScanCache | None,
    max_size: int | None,
) -> ReadTexts | None:
    """How `choose` reads unread files: from git's index or the work tree, as the build reads,
    scanned and redacted as any other, and checked against the digest the memo knew
    (StaleMemo if it differs)."""
    known = {d.path: d.digest for d in brief.files if isinstance(d, Unread)}
    if not known:
        return None
    config = settings.config

    def read(paths: Sequence[str]) -> dict[str, Doc]:
        files = tuple(Doc(f.path, f.text) for f in reader.texts(paths, max_size))
        guarded, _ = guard_brief(
            Brief(files=files),
            mode=config.secrets,
            allow_files=config.secrets_allow_files,
            cache=scans,
        )
        docs = {d.path: d for d in guarded.files if isinstance(d, Doc)}
        for path, doc in docs.items():
            if digest(doc.text) != known[path]:
                raise StaleMemo(f"{path}: its text is not the one the memo knew")
        return docs

    return read

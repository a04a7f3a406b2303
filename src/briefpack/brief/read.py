"""Reading: each candidate's text, once, or the reason it cannot be inlined."""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

from briefpack.brief.discover import Skip
from briefpack.brief.parts import made_per_file
from briefpack.tokens.progress import SILENT, Progress, in_runs

BINARY_SNIFF = 8000  # git's own heuristic: a NUL byte in the first 8000 bytes means binary
# A well-formed multi-byte UTF-8 character: its presence says the file is UTF-8 with a few bad bytes.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
HARD_LIMIT = 64 * 1024 * 1024  # never inline more than this, whatever the flags
# Byte order marks of the wide encodings, UTF-32 first (its little-endian mark starts with UTF-16's).
_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_WIDE_STARTS = tuple({bom[:2] for bom, _ in _WIDE_BOMS})  # one test for the usual case


@made_per_file
class SourceFile:
    """One file's text as it will appear in the brief."""

    path: str
    text: str
    size: int
    note: str = ""  # e.g. "not UTF-8: decoded as cp1252"


def read_files(
    root: Path, paths: Sequence[str], *, max_size: int | None, progress: Progress = SILENT
) -> tuple[list[SourceFile], list[Skip]]:
    """Read every path under `root`; what cannot be inlined becomes a Skip, never an exception."""
    files: list[SourceFile] = []
    skipped: list[Skip] = []
    real_root = root.resolve()
    for path in in_runs(paths, progress):
        result = read_file(root, real_root, path, max_size=max_size)
        if isinstance(result, SourceFile):
            files.append(result)
        elif result is not None:
            skipped.append(result)
    return files, skipped


def read_file(
    root: Path,
    real_root: Path,
    path: str,
    *,
    max_size: int | None,
    stats: dict[str, os.stat_result] | None = None,
) -> SourceFile | Skip | None:
    """One file, or why it is skipped; None when it no longer exists (a worktree deletion).
    `stats`: given, takes the file's stat as it was opened (not a link's)."""
    full = f"{root}/{path}"  # plain strings: this runs once per file
    if _NO_FOLLOW:
        result = _read_regular(full, path, max_size=max_size, follow=False, stats=stats)
        if result is not _LINK:
            return result
    else:  # no O_NOFOLLOW (Windows): ask whether it is a link first
        try:
            if not stat.S_ISLNK(os.lstat(full).st_mode):
                return _read_regular(full, path, max_size=max_size, stats=stats)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return Skip(path, f"unreadable: {exc.strerror}")
    problem = _link_problem(Path(full), real_root)  # a link: read where it leads, if inside
    return Skip(path, problem) if problem else _read_regular(full, path, max_size=max_size)


def _link_problem(full: Path, real_root: Path) -> str:
    try:
        target = full.resolve(strict=True)
    except RuntimeError:
        return "symlink loop"
    except OSError as exc:
        return "symlink loop" if "loop" in str(exc).lower() else "broken symlink"
    if not target.is_relative_to(real_root):
        return "symlink leaves the root"
    if not target.is_file():
        return "symlink to a folder"
    return ""


_LINK = Skip("", "a symbolic link")  # what opening a link without following it gives
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _read_regular(
    full: str,
    path: str,
    *,
    max_size: int | None,
    follow: bool = True,
    stats: dict[str, os.stat_result] | None = None,
) -> SourceFile | Skip | None:
    """The file at `full`; without `follow`, _LINK when it is a symbolic link (opened with
    O_NOFOLLOW: one call where lstat and open were two)."""
    limit = min(max_size, HARD_LIMIT) if max_size is not None else HARD_LIMIT
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | (0 if follow else _NO_FOLLOW)
    try:
        fd = os.open(full, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if not follow and exc.errno == errno.ELOOP and Path(full).is_symlink():
            return _LINK
        return Skip(path, f"unreadable: {exc.strerror}")
    try:
        info = os.fstat(fd)
        if stats is not None:
            stats[path] = info
        if not stat.S_ISREG(info.st_mode):
            return Skip(path, "not a regular file")
        if info.st_size > limit:
            return Skip(
                path,
                f"size {human_size(info.st_size)} > {human_size(limit)}",
                "default:size" if limit == max_size else "hard limit",
            )
        data = _read_up_to(fd, limit + 1, info.st_size)
    except OSError as exc:
        return Skip(path, f"unreadable: {exc.strerror}")
    finally:
        os.close(fd)
    if len(data) > limit:
        return Skip(path, f"size {human_size(len(data))}+ > {human_size(limit)} (grew while read)")
    return from_bytes(path, data, max_size=max_size)


def _read_up_to(fd: int, size: int, expect: int) -> bytes:
    """At most `size` bytes of a file fstat said holds `expect`: asked for in one read of one
    byte more (a larger buffer than the file costs an allocation as large). A read that comes
    back short once `expect` bytes are in is the end of a regular file; short of them (a file
    that grew, or one whose stat says 0, as /proc's, handed out in pieces), reading goes on to
    an empty read."""
    chunks: list[bytes] = []
    left, got = size, 0
    ask = min(expect + 1, size)
    while left > 0:
        chunk = os.read(fd, ask)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
        got += len(chunk)
        if len(chunk) < ask and got == expect:
            break
        ask = min(left, 1 << 24)
    return b"".join(chunks)


def from_bytes(path: str, data: bytes, *, max_size: int | None) -> SourceFile | Skip:
    """A file's bytes (from disk or git's index) as text, or why they cannot be inlined."""
    limit = min(max_size, HARD_LIMIT) if max_size is not None else HARD_LIMIT
    if len(data) > limit:
        source = "default:size" if limit == max_size else "hard limit"
        return Skip(path, f"size {human_size(len(data))} > {human_size(limit)}", source)
    wide = _decode_wide(data)  # UTF-16 and UTF-32 text is full of NUL bytes
    if wide is None and data.find(b"\0", 0, BINARY_SNIFF) >= 0:
        return Skip(path, "binary")
    text, note = wide or _decode_narrow(data)
    return SourceFile(path=path, text=text, size=len(data), note=note)


def decode(data: bytes) -> tuple[str, str]:
    """Text of `data` with a note when it is not UTF-8.

    A byte order mark is dropped, and names the encoding when it is UTF-16 or UTF-32.
    Mostly-UTF-8 text with a few bad bytes keeps its UTF-8 and marks each bad byte with U+FFFD;
    text with no UTF-8 sequence at all is cp1252, or, with a byte cp1252 does not define, UTF-8
    with the bad bytes marked.
    """
    wide = _decode_wide(data)
    return wide if wide is not None else _decode_narrow(data)


def _decode_narrow(data: bytes) -> tuple[str, str]:
    """`decode` of bytes with no wide byte order mark."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        pass
    if not _UTF8_SEQUENCE.search(data):
        try:
            return data.decode("cp1252"), "not UTF-8: decoded as cp1252"
        except UnicodeDecodeError:
            pass
    text = data.decode("utf-8", errors="replace")
    return text, f"not UTF-8: {text.count(chr(0xFFFD))} invalid byte(s) shown as U+FFFD"


def _decode_wide(data: bytes) -> tuple[str, str] | None:
    """UTF-16 or UTF-32 text, as its byte order mark says; None without one, or when the bytes
    after it do not decode."""
    if not data.startswith(_WIDE_STARTS):
        return None
    for bom, codec in _WIDE_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec), f"not UTF-8: decoded as {codec} (byte order mark)"
            except UnicodeDecodeError:
                continue  # UTF-16 text starting with U+0000 looks like UTF-32's mark
    return None


def human_size(size: int) -> str:
    """`size` bytes as '3.2 MB' (decimal units, as `ls -h --si`)."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"

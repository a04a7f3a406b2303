"""Emit: put the brief in a file, on stdout, or on the clipboard, never losing it."""

from __future__ import annotations

import base64
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

from briefpack.errors import BriefpackError
from briefpack.tokens.store import write_atomic

FALLBACK = Path(".briefpack") / "brief.md"
# The most base64 sent in one OSC 52 escape. Terminals cap it far below a large brief's size (or
# drop the escape silently): xterm and tmux keep about 100 kB, some terminals less.
OSC52_MAX = 100_000


@dataclass(frozen=True)
class Delivery:
    """Where the brief went, for the summary line."""

    how: Literal["file", "stdout", "clipboard", "osc52"]
    path: Path | None = None
    reason: str = ""
    too_big_for_osc52: bool = False  # there was a terminal, but the brief is over OSC52_MAX


def to_file(path: Path, text: str | Sequence[str]) -> Delivery:
    """Write atomically: an interrupted run leaves the old file or none, never half a brief.
    `text`, or its pieces (a brief's segments: never joined, so a large brief is not held
    twice)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (piece.encode("utf-8") for piece in _pieces(text)))
    except OSError as exc:
        raise BriefpackError(f"cannot write {path}: {exc.strerror}") from None
    return Delivery("file", path)


def to_stdout(text: str | Sequence[str], stream: TextIO | None = None) -> Delivery:
    """Write the raw text, or its pieces in order (never through Rich, which would read `[...]`
    as markup)."""
    out = stream or sys.stdout
    buffer = getattr(out, "buffer", None)
    for piece in _pieces(text):
        if buffer is not None:
            buffer.write(piece.encode("utf-8"))
        else:
            out.write(piece)
    (buffer or out).flush()
    return Delivery("stdout")


def _pieces(text: str | Sequence[str]) -> Sequence[str]:
    return [text] if isinstance(text, str) else text


def to_clipboard(text: str, *, root: Path, terminal: TextIO | None) -> Delivery:
    """Copy with pyperclip; else OSC 52 to the terminal plus a file; else (no terminal, or a
    brief too big for OSC 52) the file alone."""
    problem = _copy(text)
    if not problem:
        return Delivery("clipboard")
    saved = to_file(root / FALLBACK, text)
    if terminal is None:
        return Delivery("file", saved.path, problem)
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    if len(encoded) > OSC52_MAX:
        return Delivery("file", saved.path, problem, too_big_for_osc52=True)
    terminal.write(f"\033]52;c;{encoded}\a")
    terminal.flush()
    return Delivery("osc52", saved.path, problem)


@contextlib.contextmanager
def _detached_std_streams() -> Iterator[None]:
    """Point fds 1 and 2 at /dev/null while the clipboard tool runs.

    xclip and xsel stay alive in the background to serve the selection, holding whatever
    stdout and stderr they inherited: a pipe reader (`briefpack build --copy | tee`, CI)
    would wait for them forever.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    saved: list[tuple[int, int]] = []
    try:
        null = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        yield
        return
    try:
        for fd in (1, 2):
            with contextlib.suppress(OSError):
                saved.append((fd, os.dup(fd)))
                os.dup2(null, fd)
        yield
    finally:
        for fd, copy in saved:
            os.dup2(copy, fd)
            os.close(copy)
        os.close(null)


def _pasted(paste: Callable[[], str], text: str) -> str:
    """What the clipboard gives back, asked again for up to ~1 s while it is not `text`: xclip
    forks into the background to serve the selection, and on a busy machine the paste may come
    before the fork has taken it over (the clipboard then still holds what it held before)."""
    pasted = paste()
    for pause in (0.05, 0.1, 0.2, 0.3, 0.4):
        if pasted == text:
            break
        time.sleep(pause)
        pasted = paste()
    return pasted


def _copy(text: str) -> str:
    """Copy `text`; return why it failed, or '' when the clipboard now holds it."""
    import pyperclip

    try:
        with _detached_std_streams():
            pyperclip.copy(text)
            pasted = _pasted(pyperclip.paste, text) if sys.platform.startswith("linux") else text
        if pasted != text:
            return "the clipboard did not take the text"
    except pyperclip.PyperclipException as exc:
        return str(exc).splitlines()[0] if str(exc) else "no clipboard available"
    except (OSError, RuntimeError) as exc:
        return f"clipboard failed: {exc}"
    return ""

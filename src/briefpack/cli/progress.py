"""The progress display: on a terminal, a build that takes more than half a second shows its
stage, how many files it has done out of how many, and the tokens counted, on stderr.

The stages report to a `Progress` (tokens/progress.py) and know nothing of Rich; this is the
one that shows it. It is a Rich progress display on its own stderr console, started by a timer
once the delay has passed, and transient: when the build ends, fails or is interrupted, it is
erased and the cursor is shown again, so nothing of it stays on screen. It stays silent when
stderr is not a terminal, when NO_COLOR is set (https://no-color.org: to anything but the empty
string) or TERM=dumb; the hook never gets here.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from briefpack.tokens.progress import SILENT, Progress, Stage

if TYPE_CHECKING:
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID
    from rich.text import Text

DELAY = 0.5  # seconds of work before the display shows: a quick build never flickers
DELAY_VARIABLE = "BRIEFPACK_PROGRESS_DELAY"


@contextlib.contextmanager
def showing() -> Iterator[Progress]:
    """A Progress to hand the build: shown on stderr when `wanted()`, else silent. The display
    is gone when the block ends, however it ends."""
    if not wanted():
        yield SILENT
        return
    display = Display(_delay())
    try:
        yield display
    finally:
        display.close()


def wanted() -> bool:
    """Whether a display may be shown: stderr is a terminal, NO_COLOR is unset or empty, and
    TERM is not dumb."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # no stderr, or a closed one
        return False


def _delay() -> float:
    """DELAY, or the seconds BRIEFPACK_PROGRESS_DELAY gives (0: show at once)."""
    try:
        return max(0.0, float(os.environ.get(DELAY_VARIABLE, DELAY)))
    except ValueError:
        return DELAY


class Display:
    """A Progress that Rich shows once `delay` seconds have passed: one line with a spinner, the
    stage, a bar, done/total, the tokens counted and the time since the start. Until then it
    only keeps count (Rich's progress is not even imported). The core reports in runs of files,
    never per file, and the counting threads report too: a lock keeps the counts whole."""

    def __init__(self, delay: float) -> None:
        self._began = time.monotonic()
        self._lock = threading.Lock()
        self._stage: str = "starting"
        self._total: int | None = None
        self._done = self._tokens = 0
        self._shown: tuple[RichProgress, TaskID] | None = None
        self._closed = False
        self._timer = threading.Timer(delay, self._show)
        self._timer.daemon = True  # never holds up the exit
        if delay > 0:
            self._timer.start()
        else:  # at once, and before the first stage: every stage is drawn
            self._show()

    def start(self, stage: Stage, total: int | None = None) -> None:
        """The next stage. Once shown, it is drawn at once, after the last stage's final count:
        even a short stage reaches the terminal."""
        with self._lock:
            if self._shown is not None:
                self._shown[0].refresh()
            self._stage, self._total, self._done = stage, total, 0
            if self._shown is not None:
                rich, task = self._shown
                rich.remove_task(task)  # a task of its own: its bar and spinner start afresh
                self._shown = rich, rich.add_task(stage, total=total)
                rich.refresh()

    def advance(self, done: int = 0, tokens: int = 0) -> None:
        """More done: drawn at the display's next refresh (ten a second)."""
        with self._lock:
            self._done += done
            self._tokens += tokens
            if self._shown is not None:
                rich, task = self._shown
                rich.update(task, completed=self._done)

    def close(self) -> None:
        """Stop the timer, and erase the display if it is shown."""
        self._timer.cancel()
        with self._lock:
            self._closed = True
            if self._shown is not None:
                self._shown[0].stop()

    def _show(self) -> None:
        """In the timer's thread, once the delay has passed: make the display and start it."""
        from rich.console import Console
        from rich.progress import BarColumn, RenderableColumn, SpinnerColumn, TextColumn
        from rich.progress import Progress as RichProgress

        rich = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(bar_width=24),
            RenderableColumn(self),  # the counts and the time, read at each refresh
            console=Console(stderr=True, highlight=False, emoji=False),
            transient=True,  # erased when done: the summary follows on a clean screen
            redirect_stdout=False,  # the brief may go to stdout meanwhile: never through Rich
            redirect_stderr=False,
        )
        with self._lock:
            if self._closed:
                return
            self._shown = rich, rich.add_task(self._stage, total=self._total, completed=self._done)
            rich.start()

    def __rich__(self) -> Text:
        """'1,234/5,300 · 812,345 tokens · 0:03': done out of the stage's total (or only
        done, when it has none), the tokens counted so far, and the time since the start."""
        from rich.text import Text

        parts = []
        if self._total is not None:
            parts.append(f"{self._done:,}/{self._total:,}")
        elif self._done:
            parts.append(f"{self._done:,}")
        if self._tokens:
            parts.append(f"{self._tokens:,} tokens")
        elapsed = int(time.monotonic() - self._began)
        parts.append(f"{elapsed // 60}:{elapsed % 60:02d}")
        return Text(" · ".join(parts))

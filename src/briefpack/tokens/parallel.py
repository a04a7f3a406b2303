"""Splitting work across cores: how many there are, and runs of similar size."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

from briefpack.tokens.progress import SILENT, Progress

T = TypeVar("T")


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def split_runs(items: Sequence[T], pieces: int, size: Callable[[T], int]) -> list[list[T]]:
    """`items` cut, in order, into about `pieces` runs of similar total `size`."""
    share = sum(map(size, items)) / max(pieces, 1)
    runs: list[list[T]] = [[]]
    filled = 0
    for item in items:
        if filled >= share and runs[-1]:
            runs.append([])
            filled = 0
        runs[-1].append(item)
        filled += size(item)
    return runs if runs[0] else []


R = TypeVar("R")
FORK_MIN_CHARS = 4_000_000  # below this, a second process costs more than it saves


def map_forked(
    work: Callable[[list[T]], list[R]],
    batches: list[list[T]],
    *,
    workers: int,
    progress: Progress = SILENT,
) -> list[list[R]] | None:
    """`work` of each batch in forked worker processes (which inherit what the parent loaded),
    in order; None when the pool broke (a worker killed, out of memory): do it here instead.
    Workers ignore Ctrl-C: the parent stops, and they finish their batch and go. `progress`
    advances here, in the parent, by each batch's length as its result comes back."""
    import multiprocessing  # here: ~12 ms to import, and most runs never get here
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_ignore_interrupts
        ) as pool:
            done = []
            for batch, made in zip(batches, pool.map(work, batches), strict=True):
                done.append(made)
                progress.advance(len(batch))
            return done
    except BrokenProcessPool:
        return None


def forking_pays(chars: int) -> int:
    """How many worker processes to fork for this much text: 0 when it would not pay (little
    text, one core, or not Linux, where fork is not safe with the system's libraries)."""
    import sys

    workers = min(cores(), 8)
    if workers < 2 or chars < FORK_MIN_CHARS or not sys.platform.startswith("linux"):
        return 0
    return workers


def _ignore_interrupts() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)

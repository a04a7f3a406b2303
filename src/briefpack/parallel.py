"""Splitting work across cores: how many there are, and runs of similar size."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

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

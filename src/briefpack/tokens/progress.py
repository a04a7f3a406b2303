"""Progress: what a build reports as it goes, for whoever shows it (the CLI, on a terminal).

It sits at the bottom of the stages so each of them may report; none knows how it is shown.
Stages report a stage's start and their advance in runs of files (never one call per file in a
hot loop, never from a worker process); the default, SILENT, does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Protocol, TypeVar

Stage = Literal[
    "discovering",
    "reading",
    "running schema commands",
    "scanning for secrets",
    "rendering",
    "counting tokens",
    "ranking",
    "outlining",
    "fitting",
]
RUN = 256  # items between two reports in a loop over files: cheap, and often enough to see

T = TypeVar("T")


class Progress(Protocol):
    """Told where a build is. `advance` may be called from any thread (counting runs on a few)."""

    def start(self, stage: Stage, total: int | None = None) -> None:
        """A stage begins; `total`: how many items (files, texts) it goes through, if known."""

    def advance(self, done: int = 0, tokens: int = 0) -> None:
        """`done` more items of the current stage are done, and `tokens` more were counted."""


class Silent:
    """Progress nobody watches: the hook, the tests, any caller that passes none."""

    def start(self, stage: Stage, total: int | None = None) -> None:
        """Nothing to show."""

    def advance(self, done: int = 0, tokens: int = 0) -> None:
        """Nothing to show."""


SILENT: Progress = Silent()


def in_runs(items: Sequence[T], progress: Progress, run: int = RUN) -> Iterator[T]:
    """`items` one by one, telling `progress` after each run of them (and after the last)."""
    for at in range(0, len(items), run):
        chunk = items[at : at + run]
        yield from chunk
        progress.advance(len(chunk))

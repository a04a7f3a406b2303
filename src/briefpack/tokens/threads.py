"""Counting texts' tokens on a few threads: the one loop both the build and the hook's tokenizer
child use."""

from __future__ import annotations

import collections
import threading
from typing import TYPE_CHECKING

from briefpack.tokens.parallel import cores, split_runs
from briefpack.tokens.progress import SILENT, Progress

if TYPE_CHECKING:
    import tiktoken


def count_texts(encoding: tiktoken.Encoding, texts: list[str]) -> list[int]:
    """The token count of each text, on every core."""
    counts = Counting(encoding, [(str(i), t) for i, t in enumerate(texts)]).wait()
    return [counts[str(i)] for i in range(len(texts))]


class Counting:
    """Texts counted on a few daemon threads, each taking runs of texts from a queue (tiktoken
    releases the GIL while it encodes; daemon threads never hold up a Ctrl-C). tiktoken's
    `encode_ordinary_batch` makes one future per text, which costs more than encoding a small
    file: 4.98 s against 0.21 s for 100,000 two-line files, the same counts. `progress`
    advances after each run of texts, from the thread that counted it."""

    def __init__(
        self,
        encoding: tiktoken.Encoding,
        items: list[tuple[str, str]],
        progress: Progress = SILENT,
    ) -> None:
        self.results: dict[str, int] = {}
        self._failed: list[BaseException] = []
        workers = min(cores(), 8)
        # several runs per thread, so one long file does not leave the other threads idle
        runs = collections.deque(split_runs(items, workers * 4, lambda item: len(item[1])))

        def work() -> None:
            while runs:
                try:
                    run = runs.popleft()
                except IndexError:
                    return
                try:
                    for key, text in run:
                        self.results[key] = len(encoding.encode_ordinary(text))
                    progress.advance(len(run), sum(self.results[key] for key, _ in run))
                except BaseException as exc:  # raised again by wait()
                    self._failed.append(exc)
                    return

        self._threads = [
            threading.Thread(target=work, daemon=True) for _ in range(min(workers, len(runs)))
        ]
        for thread in self._threads:
            thread.start()

    def wait(self) -> dict[str, int]:
        """Every count, once all threads are done."""
        for thread in self._threads:
            thread.join()
        if self._failed:
            raise self._failed[0]
        return self.results

"""Where a hook's time goes: runs `snapshot --hook` as the lean entry point does, in the current
folder, with each stage timed, and prints one JSON object: stage -> [start, end] in seconds from
the process start (imports included). `bench/hook.py --phases` runs it after each one-file change
and prints the medians; on its own: `cd REPO && python /path/to/bench/hook_phases.py`.
"""

from __future__ import annotations

import time

START = time.perf_counter()

import functools  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from types import ModuleType  # noqa: E402
from typing import Any  # noqa: E402

import briefpack.brief.pipeline as pipeline  # noqa: E402
import briefpack.snapshot.hookrun as hookrun  # noqa: E402
import briefpack.snapshot.take as snapshot  # noqa: E402

TIMES: dict[str, list[float]] = {}

STAGES: list[tuple[ModuleType, str]] = [
    (snapshot, "load_memo"),
    (pipeline, "index_entries"),
    (pipeline, "discover"),
    (pipeline, "gather"),
    (pipeline, "guard_brief"),
    (pipeline, "render"),
    (snapshot, "write_early"),
    (pipeline, "_count"),
    (snapshot, "make_snapshot"),
    (snapshot, "write_snapshot"),
    (snapshot, "remember"),
    (snapshot, "stage_snapshot"),
]


def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        begin = time.perf_counter() - START
        try:
            return func(*args, **kwargs)
        finally:
            TIMES[name] = [begin, time.perf_counter() - START]

    return wrapper


def main() -> None:
    TIMES["imports"] = [0.0, time.perf_counter() - START]
    for module, name in STAGES:
        setattr(module, name, timed(name, getattr(module, name)))
    begin = time.perf_counter() - START
    hookrun._start_counter(Path())
    TIMES["fork tokenizer child"] = [begin, time.perf_counter() - START]
    hookrun.run_hook(Path(), dict)
    TIMES["end"] = [time.perf_counter() - START] * 2
    sys.stdout.write(json.dumps(TIMES) + "\n")


if __name__ == "__main__":
    main()

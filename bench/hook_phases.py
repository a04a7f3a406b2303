"""Where a hook's time goes: runs `snapshot --hook` as the lean entry point does, in the current
folder, with each stage timed, and prints one JSON object: stage -> [start, end, seconds, calls,
cpu] (start of its first call and end of its last, in seconds from the process start, imports
included; the time inside all its calls; how many; this process's CPU time inside them, or for
`end` in all: the child's is not in it, and on a busy machine it moves less than the clock).
Stages nest: `count` holds `choose`, which holds `rank_brief` and `fit`. `count segments` is
every exact count of segments (digests, the token cache, then the child or this process);
`child wait` is the time spent waiting on the tokenizer child (its load, then its counting).
`bench/hook.py --phases` runs it after each one-file change and prints the medians; on its own:
`cd REPO && python /path/to/bench/hook_phases.py`.
"""

from __future__ import annotations

import gc
import time

START = time.perf_counter()
gc.disable()  # as `python -m briefpack snapshot --hook` does

import functools  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import briefpack.brief.choose as choose  # noqa: E402
import briefpack.brief.gather as gather  # noqa: E402
import briefpack.brief.pipeline as pipeline  # noqa: E402
import briefpack.brief.ranking as ranking  # noqa: E402
import briefpack.snapshot.hookrun as hookrun  # noqa: E402
import briefpack.snapshot.take as snapshot  # noqa: E402
import briefpack.tokens.child as child  # noqa: E402

TIMES: dict[str, list[float]] = {}

# (owner, attribute, stage name): the owner is where the caller looks the name up
STAGES: list[tuple[Any, str, str]] = [
    (snapshot, "load_memo", "load_memo"),
    (pipeline, "index_entries", "index_entries"),
    (pipeline, "discover", "discover"),
    (pipeline, "gather", "gather"),
    (gather, "read_staged", "read_staged"),
    (pipeline, "guard_brief", "guard_brief"),
    (pipeline, "render", "render"),
    (snapshot, "write_early", "write_early"),
    (pipeline, "count", "count"),
    (pipeline, "_count", "count segments"),
    (pipeline, "choose", "choose"),
    (choose, "recall", "recall"),
    (choose, "rank_brief", "rank_brief"),
    (ranking, "profiles", "profiles"),
    (ranking, "rank_files", "rank_files"),
    (choose, "fit", "fit"),
    (choose, "refit", "refit"),
    (choose, "remember", "remember_fit"),
    (child.Child, "count", "child wait"),
    (snapshot, "make_snapshot", "make_snapshot"),
    (snapshot, "write_snapshot", "write_snapshot"),
    (snapshot, "remember", "remember"),
    (snapshot, "stage_snapshot", "stage_snapshot"),
]


def timed(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        begin, cpu = time.perf_counter() - START, time.process_time()
        try:
            return func(*args, **kwargs)
        finally:
            end = time.perf_counter() - START
            first, _, spent, calls, used = TIMES.get(name, [begin, 0.0, 0.0, 0, 0.0])
            TIMES[name] = [
                first,
                end,
                spent + end - begin,
                calls + 1,
                used + time.process_time() - cpu,
            ]

    return wrapper


def main() -> None:
    TIMES["imports"] = [0.0, time.perf_counter() - START, 0.0, 1, time.process_time()]
    for owner, attribute, name in STAGES:
        setattr(owner, attribute, timed(name, getattr(owner, attribute)))
    begin = time.perf_counter() - START
    hookrun._start_counter(Path())
    end = time.perf_counter() - START
    TIMES["fork tokenizer child"] = [begin, end, end - begin, 1, 0.0]
    hookrun.run_hook(Path(), dict)
    end = time.perf_counter() - START
    TIMES["end"] = [end, end, 0.0, 1, time.process_time()]
    sys.stdout.write(json.dumps(TIMES) + "\n")


if __name__ == "__main__":
    main()

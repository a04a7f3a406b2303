"""What ranking and the ladder cost inside a build (issue 16: at most 1.5 s cold, 0.2 s warm on
the Django corpus).

"choose" is all of it: ranking (or a remembered ranking), fitting (or refitting remembered
levels), the fit cache's key and lookups.

Each run builds in a fresh process: cold with an empty cache folder, warm with the one the cold
run filled, and warm again after that (the first warm build takes unchanged files from the work
tree's memo, unread: its ranking is not the one the cold build kept, which saw their texts).
The time inside the select stage (ranking: profiles, BM25, the code graph) and the ladder
(outlines, rendering and counting rounds) is measured by wrapping those two calls.

Run: .venv/bin/python bench/ranking_speed.py [--repo /work/corpora/django] [--runs 5]
     [--goal TEXT] [--budget N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time
from pathlib import Path
from briefpack.brief import choose
from briefpack.brief import pipeline
spent = {"rank": 0.0, "fit": 0.0}
def timed(name, fn):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start
    return wrapper
choose.rank_brief = timed("rank", choose.rank_brief)
choose.fit = timed("fit", choose.fit)
choose.refit = timed("fit", choose.refit)
choose.choose = timed("choose", choose.choose)
pipeline.choose = choose.choose
spent["choose"] = 0.0
start = time.perf_counter()
built = pipeline.build(Path(sys.argv[1]), json.loads(sys.argv[2]))
total = time.perf_counter() - start
levels = {lv: list(built.levels.values()).count(lv) for lv in ("full", "outline", "path")}
print(json.dumps({"build": total, **spent, "tokens": built.total, "levels": levels}))
"""


def run(repo: Path, overrides: dict[str, object], cache: Path) -> dict[str, float]:
    env = {**os.environ, "BRIEFPACK_CACHE_DIR": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(repo), json.dumps(overrides)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path("/work/corpora/django"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--goal", default="Add rate limiting to the admin login view")
    parser.add_argument("--budget", type=int, default=None)
    args = parser.parse_args()
    overrides = {"goal": args.goal, "secrets": "redact"}
    if args.budget:
        overrides["budget"] = args.budget
    rows: dict[str, list[dict[str, float]]] = {"cold": [], "warm": [], "warm again": []}
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            for got in rows.values():
                got.append(run(args.repo, overrides, Path(cache)))
    last = rows["warm"][-1]
    print(f"{args.repo.name}: {last['tokens']:,} tokens, levels {last['levels']}")
    print("| run | build | ranking | ladder | choose (all of it) |")
    print("|---|---|---|---|---|")
    for name, got in rows.items():
        med = {k: statistics.median(r[k] for r in got) for k in ("build", "rank", "fit", "choose")}
        print(
            f"| {name} | {med['build']:.2f} s | {med['rank']:.2f} s | {med['fit']:.2f} s"
            f" | {med['choose']:.2f} s |"
        )


if __name__ == "__main__":
    main()

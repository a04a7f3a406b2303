"""Cold versus warm `build`: what the token and scan caches save on a second run.

Corpus: --files generated Python modules (varied, realistic lengths) in a temporary git repo.
Cold: both caches emptied before each run. Warm: caches kept (nothing is encoded or scanned).
One changed: one file edited before each run (one file encoded and scanned).
Prints medians and the warm speed-up. Run: .venv/bin/python bench/cold_warm.py [--files N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_corpus(repo: Path, files: int) -> None:
    rng = random.Random(7)
    names = ["load", "tender", "driver", "route", "quote", "invoice", "stop", "carrier"]
    for n in range(files):
        pkg = repo / f"pkg{n % 40}"
        pkg.mkdir(parents=True, exist_ok=True)
        lines = []
        for f in range(rng.randint(3, 40)):
            name = f"{rng.choice(names)}_{f}"
            lines += [
                f"def {name}(value: int, factor: float = {rng.random():.3f}) -> float:",
                f'    """Return the {name} of value, scaled."""',
                f"    return value * factor + {rng.randint(0, 999)}",
                "",
            ]
        (pkg / f"mod{n}.py").write_text("\n".join(lines))
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)


def run(repo: Path, env: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "briefpack", "stats", "--json", "--budget", "100000000"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start, json.loads(proc.stdout)["encoded_files"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo, cache = Path(tmp) / "repo", Path(tmp) / "cache"
        make_corpus(repo, args.files)
        size = sum(p.stat().st_size for p in repo.rglob("*.py")) / 1e6
        env = {**os.environ, "BRIEFPACK_CACHE_DIR": str(cache)}
        run(repo, env)  # tokenizer files seeded
        cold, warm, one = [], [], []
        for i in range(args.runs):
            shutil.rmtree(cache / "tokens", ignore_errors=True)
            shutil.rmtree(cache / "secrets", ignore_errors=True)
            cold.append(run(repo, env))
            warm.append(run(repo, env))
            (repo / "pkg0" / "mod0.py").write_text(f"CHANGED = {i}\n")
            one.append(run(repo, env))
        print(
            f"corpus: {args.files} files, {size:.1f} MB; medians of {args.runs} runs (stats --json)"
        )
        for name, rows in (("cold", cold), ("warm", warm), ("one file changed", one)):
            encoded = {n for _, n in rows}
            print(f"{name:18} {statistics.median(t for t, _ in rows):7.3f} s  encoded {encoded}")
        speedup = statistics.median(t for t, _ in cold) / statistics.median(t for t, _ in warm)
        print(f"warm speed-up: {speedup:.1f}x")


if __name__ == "__main__":
    main()

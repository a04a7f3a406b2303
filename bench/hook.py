"""What the pre-commit hook costs a commit: real `git commit` of a one-file change, with and without.

Corpus: --files generated Python modules in a temporary git repo (the same generator as
cold_warm.py). The hook is installed with `briefpack hook install`; a first commit fills the
caches. Then each run edits one file and commits it; medians of --runs are printed for a commit
without the hook, with it, and the difference (the hook's time).
Run: .venv/bin/python bench/hook.py [--files N] [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cold_warm import make_corpus


def commit_one_change(repo: Path, env: dict[str, str], n: int) -> float:
    (repo / "pkg1" / "mod1.py").write_text(f"CHANGED = {n}\n")
    subprocess.run(["git", "add", "pkg1/mod1.py"], cwd=repo, env=env, check=True)
    start = time.perf_counter()
    subprocess.run(
        ["git", "commit", "-q", "-m", f"change {n}"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        make_corpus(repo, args.files)
        env = {
            **os.environ,
            "BRIEFPACK_CACHE_DIR": str(Path(tmp) / "cache"),
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.com",
        }
        subprocess.run(["git", "commit", "-q", "-m", "corpus"], cwd=repo, env=env, check=True)
        without = [commit_one_change(repo, env, n) for n in range(args.runs)]
        briefpack = [sys.executable, "-m", "briefpack"]
        subprocess.run([*briefpack, "hook", "install"], cwd=repo, env=env, check=True)
        commit_one_change(repo, env, -1)  # first snapshot: caches filled
        with_hook = [commit_one_change(repo, env, 100 + n) for n in range(args.runs)]
        a, b = statistics.median(without), statistics.median(with_hook)
        print(f"corpus: {args.files} files; one file changed per commit; medians of {args.runs}")
        print(f"git commit without the hook {a:7.3f} s")
        print(f"git commit with the hook    {b:7.3f} s")
        print(f"hook time                   {b - a:7.3f} s")


if __name__ == "__main__":
    main()

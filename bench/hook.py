"""What the pre-commit hook costs a commit: real `git commit` of a one-file change, with and without.

Corpus: --files generated Python modules in a temporary git repo (the same generator as
cold_warm.py), or --repo PATH: a clone of that repository (e.g. the Django corpus that
discovery.py builds under /work/corpora/django), whose first tracked .py file is the one edited.
The hook is installed with `briefpack hook install`; a first commit fills the caches. Then each
run edits one file and commits it; medians of --runs are printed for a commit without the hook,
with it, and the difference (the hook's time), with the snapshot's size. With --phases, as many
more changes are snapshotted by bench/hook_phases.py, and the median start and end of each stage
are printed (seconds from the process start), with the time and the CPU time inside its calls.
Run: .venv/bin/python bench/hook.py [--files N | --repo PATH] [--runs N] [--phases]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cold_warm import make_corpus


def commit_one_change(repo: Path, env: dict[str, str], n: int, edited: str) -> float:
    with (repo / edited).open("a") as f:
        f.write(f"CHANGED = {n}\n")
    subprocess.run(["git", "add", edited], cwd=repo, env=env, check=True)
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
    parser.add_argument("--repo", type=Path, help="clone this repository instead of generating")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--phases", action="store_true", help="also time each stage of the hook")
    args = parser.parse_args()
    compiled = bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        if args.repo:
            subprocess.run(["git", "clone", "-q", str(args.repo), str(repo)], check=True)
        else:
            make_corpus(repo, args.files)
        tracked = subprocess.run(
            ["git", "ls-files", "*.py"], cwd=repo, capture_output=True, text=True, check=True
        ).stdout.split("\n")
        edited = tracked[0] if args.repo else "pkg1/mod1.py"
        env = {
            **os.environ,
            "BRIEFPACK_CACHE_DIR": str(Path(tmp) / "cache"),
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.com",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.com",
        }
        if not args.repo:
            subprocess.run(["git", "commit", "-q", "-m", "corpus"], cwd=repo, env=env, check=True)
        without = [commit_one_change(repo, env, n, edited) for n in range(args.runs)]
        briefpack = [sys.executable, "-m", "briefpack"]
        subprocess.run([*briefpack, "hook", "install"], cwd=repo, env=env, check=True)
        commit_one_change(repo, env, -1, edited)  # first snapshot: caches filled
        with_hook = [commit_one_change(repo, env, 100 + n, edited) for n in range(args.runs)]
        a, b = statistics.median(without), statistics.median(with_hook)
        files = len(tracked) if args.repo else args.files
        manifest = json.loads((repo / ".briefpack" / "context.json").read_text())
        size = (repo / ".briefpack" / "context.md").stat().st_size / 1e6
        print(f"corpus: {args.repo or 'generated'}, {files} .py files; snapshot {size:.1f} MB,")
        print(f"  {len(manifest['files'])} files, {manifest['total_tokens']:,} tokens")
        print(f"one file changed per commit; medians of {args.runs}; {compiled}")
        print(f"git commit without the hook {a:7.3f} s")
        print(f"git commit with the hook    {b:7.3f} s")
        print(f"hook time                   {b - a:7.3f} s")
        if args.phases:
            print_phases([hook_phases(repo, env, 200 + n, edited) for n in range(args.runs)])


def bytecode() -> str:
    """Compile briefpack's modules to bytecode, as `pip install` does (and as any import does
    unless PYTHONDONTWRITEBYTECODE is set, as on some CI machines): otherwise each commit's
    hook would compile them from source (~0.045 s), a cost no installed copy pays."""
    import briefpack

    package = Path(briefpack.__file__).resolve().parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    return f"bytecode compiled for {package}"


def hook_phases(repo: Path, env: dict[str, str], n: int, edited: str) -> dict[str, list[float]]:
    """One one-file change snapshotted by hook_phases.py (not committed: the next change adds to it)."""
    with (repo / edited).open("a") as f:
        f.write(f"CHANGED = {n}\n")
    subprocess.run(["git", "add", edited], cwd=repo, env=env, check=True)
    script = Path(__file__).resolve().parent / "hook_phases.py"
    done = subprocess.run(
        [sys.executable, str(script)], cwd=repo, env=env, check=True, capture_output=True
    )
    timeline: dict[str, list[float]] = json.loads(done.stdout)
    return timeline


def print_phases(runs: list[dict[str, list[float]]]) -> None:
    print(f"stages of the hook, medians of {len(runs)}: start -> end (seconds from the process")
    print("  start), time inside the stage's calls (CPU time of the hook's process), calls;")
    print("  nested stages are indented; `end`'s CPU time is the whole process's:")
    names = sorted(runs[0], key=lambda name: (runs[0][name][0], -runs[0][name][1]))
    ends: list[float] = []
    for name in names:
        start, end, spent, calls, cpu = (
            statistics.median(r[name][i] for r in runs if name in r) for i in range(5)
        )
        while ends and start >= ends[-1] - 1e-9:
            ends.pop()
        label = "  " * len(ends) + name
        print(f"  {label:24} {start:6.3f} -> {end:6.3f}  {spent:6.3f} s ({cpu:5.3f})  x{calls:g}")
        if calls == 1 and name != "end":  # a stage called often holds no other
            ends.append(end)


if __name__ == "__main__":
    main()

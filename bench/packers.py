"""briefpack against repomix on the same job, side by side in one run (issue 18).

The job: pack the whole repository and count its tokens exactly (`build --stdout` with a budget
above the total, so nothing is fitted; repomix counts tokens by default). Per corpus, medians of
--runs of the whole process (wall time and peak resident memory, from GNU time):
- briefpack cold: token, scan, profile and fit caches empty (a fresh BRIEFPACK_CACHE_DIR);
- briefpack warm: the same run again, caches filled, nothing changed;
- briefpack goal, warm: `-g GOAL` at the default budget (the model's window): ranked and fitted;
- repomix: `repomix --quiet -o FILE` (it keeps no cache: every run is cold).
Ratios are to repomix's time and memory in the same run.
Corpora: django (bench/discovery.py builds it), wagtail (a clone under --corpora, with history),
and generated ones of --generated sizes (10k, 30k, 100k files: cost must grow linearly).
Run: .venv/bin/python bench/packers.py [--runs N] [--corpora DIR] [--only NAME,...]
     [--generated 10000,30000,100000]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from discovery import django, git_commit_all, peers

BRIEFPACK = [sys.executable, "-m", "briefpack"]
GOAL = "Fix the admin login view: it must rate-limit failed attempts per user"
EVERYTHING = "1000000000"  # a budget above any corpus: the whole repository, nothing fitted


def generated(corpora: Path, files: int) -> Path:
    """`files` generated Python modules in folders of 100 (bench/discovery.py's gen100k shape)."""
    repo = corpora / f"gen{files // 1000}k"
    if (repo / ".git").exists():
        return repo
    for n in range(files):
        folder = repo / f"pkg{n // 1000}" / f"sub{n % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"m{n}.py").write_text(f"def f{n}(x):\n    return x + {n}\n")
    git_commit_all(repo)
    return repo


def measure(args: list[str], repo: Path, env: dict[str, str]) -> tuple[float, float] | None:
    """Wall seconds and peak resident MiB of one run, or None if it failed."""
    with tempfile.NamedTemporaryFile(suffix=".time") as out:
        done = subprocess.run(
            ["/usr/bin/time", "-o", out.name, "-f", "%e %M", *args],
            cwd=repo,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        if done.returncode != 0:
            return None
        seconds, kib = Path(out.name).read_text().split()[-2:]
    return float(seconds), int(kib) / 1024


def median_of(results: list[tuple[float, float] | None]) -> tuple[float, float] | None:
    ok = [r for r in results if r is not None]
    if len(ok) < len(results):
        return None
    return statistics.median(r[0] for r in ok), statistics.median(r[1] for r in ok)


def run_corpus(name: str, repo: Path, runs: int, repomix: list[str] | None) -> None:
    base = {**os.environ, "NO_COLOR": "1"}
    rows: dict[str, tuple[float, float] | None] = {}
    pack = [*BRIEFPACK, "build", "--stdout", "--budget", EVERYTHING]
    cold = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as cache:
            cold.append(measure(pack, repo, {**base, "BRIEFPACK_CACHE_DIR": cache}))
    rows["briefpack cold"] = median_of(cold)
    with tempfile.TemporaryDirectory() as cache:
        env = {**base, "BRIEFPACK_CACHE_DIR": cache}
        measure(pack, repo, env)
        rows["briefpack warm"] = median_of([measure(pack, repo, env) for _ in range(runs)])
        goal = [*BRIEFPACK, "build", "--stdout", "-g", GOAL]
        measure(goal, repo, env)
        rows["briefpack goal, warm"] = median_of([measure(goal, repo, env) for _ in range(runs)])
    if repomix is not None:
        with tempfile.TemporaryDirectory() as tmp:
            args = [*repomix[:-1], str(Path(tmp) / "out.xml")]
            rows["repomix"] = median_of([measure(args, repo, base) for _ in range(runs)])
    files = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, check=True)
    print(f"\n{name}: {repo} ({len(files.stdout.splitlines()):,} files), medians of {runs}")
    print("| | seconds | peak MiB | time / repomix | memory / repomix |\n|---|---|---|---|---|")
    ref = rows.get("repomix")
    for label, row in rows.items():
        if row is None:
            print(f"| {label} | failed | | | |")
            continue
        ratios = f"{row[0] / ref[0]:.2f}x | {row[1] / ref[1]:.2f}x" if ref else " | "
        print(f"| {label} | {row[0]:.2f} | {row[1]:.0f} | {ratios} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--corpora", type=Path, default=Path("/work/corpora"))
    parser.add_argument("--only", help="comma-separated corpus names (django, wagtail, gen10k, …)")
    parser.add_argument("--generated", default="10000,30000,100000")
    args = parser.parse_args()
    found = peers(args.corpora).get("repomix")
    repomix = found(Path(), Path("out")) if found else None
    if repomix is None:
        print("repomix is not installed (bash bench/install_peers.sh): briefpack alone")
    corpora: dict[str, Callable[[], Path]] = {
        "django": lambda: django(args.corpora),
        "wagtail": lambda: args.corpora / "wagtail",
    }
    for size in (int(n) for n in args.generated.split(",") if n):
        corpora[f"gen{size // 1000}k"] = functools.partial(generated, args.corpora, size)
    wanted = set(args.only.split(",")) if args.only else set(corpora)
    for name, make in corpora.items():
        repo = make() if name in wanted else None
        if repo is not None and (repo / ".git").exists():
            run_corpus(name, repo, args.runs, repomix)


if __name__ == "__main__":
    main()

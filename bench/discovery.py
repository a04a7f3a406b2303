"""A cold `build` against the tools a user would pick instead, and against the floor.

Corpora (built under --corpora, default /work/corpora, never inside the repository):
- django: the Django sdist from PyPI (`pip download --no-deps --no-binary :all: django`), unpacked
  and committed to a fresh git repository;
- gen100k: 100,000 generated files in 1,000 folders, committed.
Peers, run when installed (bench/install_peers.sh puts them in <corpora>/peers): repomix (npm),
files-to-prompt, gitingest, code2prompt (PyPI). The floor: `git ls-files`, reading every listed
file, and tiktoken's own batch encoding of their text, timed in one process after imports (the
issue's definition); a second floor counts as briefpack does (runs of texts on every core), which
for many small files is far below tiktoken's batch call (one future per text).
briefpack runs cold: empty token and scan caches. Prints medians and ratios to briefpack.
Of the peers, only repomix counts tokens here: gitingest's and code2prompt's counts need an
encoding download (offline they report none or 0), files-to-prompt never counts.
Run: .venv/bin/python bench/discovery.py [--runs N] [--corpora DIR] [--only django|gen100k]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BRIEFPACK = [sys.executable, "-m", "briefpack"]


def git_commit_all(repo: Path) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@b",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@b",
    }
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", "corpus"], cwd=repo, check=True, env=env)


def django(corpora: Path) -> Path:
    repo = corpora / "django"
    if (repo / ".git").exists():
        return repo
    download = corpora / "dl"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--no-binary",
            ":all:",
            "django",
            "-d",
            str(download),
        ],
        check=True,
    )
    archive = next(download.glob("django-*.tar.gz"))
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        shutil.move(str(next(Path(tmp).iterdir())), repo)
    git_commit_all(repo)
    return repo


def gen100k(corpora: Path) -> Path:
    repo = corpora / "gen100k"
    if (repo / ".git").exists():
        return repo
    for n in range(100_000):
        folder = repo / f"pkg{n // 1000}" / f"sub{n % 10}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"m{n}.py").write_text(f"def f{n}(x):\n    return x + {n}\n")
    git_commit_all(repo)
    return repo


def peers(corpora: Path) -> dict[str, Callable[[Path, Path], list[str]]]:
    bin_dir = corpora / "peers" / "venv" / "bin"
    npm_bin = corpora / "peers" / "node_modules" / ".bin"
    found: dict[str, Callable[[Path, Path], list[str]]] = {}
    if (npm_bin / "repomix").exists():
        found["repomix"] = lambda repo, out: [str(npm_bin / "repomix"), "--quiet", "-o", str(out)]
    if (bin_dir / "files-to-prompt").exists():
        found["files-to-prompt"] = lambda repo, out: [
            str(bin_dir / "files-to-prompt"),
            ".",
            "-o",
            str(out),
        ]
    if (bin_dir / "gitingest").exists():
        found["gitingest"] = lambda repo, out: [str(bin_dir / "gitingest"), ".", "-o", str(out)]
    if (bin_dir / "code2prompt").exists():
        found["code2prompt"] = lambda repo, out: [
            str(bin_dir / "code2prompt"),
            "--path",
            ".",
            "-o",
            str(out),
        ]
    return found


def timed(args: list[str], repo: Path, env: dict[str, str]) -> float | None:
    start = time.perf_counter()
    done = subprocess.run(args, cwd=repo, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    return elapsed if done.returncode == 0 else None


FLOOR = """
import subprocess, sys, time
from briefpack.tokens.encodings import load_encoding
enc = load_encoding("o200k_base")
start = time.perf_counter()
paths = subprocess.run(["git", "ls-files", "-z"], capture_output=True, check=True).stdout.split(b"\\0")
texts = []
for p in paths:
    if p:
        try:
            texts.append(open(p, "rb").read().decode("utf-8", "replace"))
        except OSError:
            pass
if sys.argv[1] == "tiktoken":
    enc.encode_ordinary_batch(texts)
else:  # the way briefpack counts: runs of texts on every core
    from briefpack.tokens.threads import count_texts
    count_texts(enc, texts)
print(time.perf_counter() - start)
"""


FLOORS = {
    "tiktoken": "floor: list + read + tiktoken batch",
    "runs": "floor, counted as briefpack does",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpora", type=Path, default=Path("/work/corpora"))
    parser.add_argument("--only", choices=["django", "gen100k"])
    args = parser.parse_args()
    args.corpora.mkdir(parents=True, exist_ok=True)
    makers = {"django": django, "gen100k": gen100k}
    for name, make in makers.items():
        if args.only and name != args.only:
            continue
        repo = make(args.corpora)
        files = len(
            subprocess.run(
                ["git", "ls-files"], cwd=repo, capture_output=True, check=True
            ).stdout.splitlines()
        )
        rows: dict[str, list[float]] = {}
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.txt"
            cache = Path(tmp) / "cache"
            env = {**os.environ, "BRIEFPACK_CACHE_DIR": str(cache)}
            subprocess.run([*BRIEFPACK, "models"], env=env, capture_output=True)  # seed tokenizer
            for _ in range(args.runs):
                shutil.rmtree(cache / "tokens", ignore_errors=True)
                shutil.rmtree(cache / "secrets", ignore_errors=True)
                cold = [*BRIEFPACK, "build", "-o", str(out), "--budget", "999999999"]
                rows.setdefault("briefpack build (cold)", []).append(timed(cold, repo, env) or 0)
                rows.setdefault("briefpack build (warm)", []).append(timed(cold, repo, env) or 0)
                for way, label in FLOORS.items():
                    floor = subprocess.run(
                        [sys.executable, "-c", FLOOR, way],
                        cwd=repo,
                        env=env,
                        capture_output=True,
                        text=True,
                        check=True,
                    )
                    rows.setdefault(label, []).append(float(floor.stdout))
                for peer, command in peers(args.corpora).items():
                    took = timed(command(repo, out), repo, env)
                    if took is not None:
                        rows.setdefault(peer, []).append(took)
        base = statistics.median(rows["briefpack build (cold)"])
        print(f"\n{name}: {files:,} files, medians of {args.runs} runs")
        print(f"{'tool':32} {'seconds':>8} {'vs briefpack cold':>18}")
        for tool, times in rows.items():
            median = statistics.median(times)
            print(f"{tool:32} {median:8.2f} {median / base:17.2f}x")


if __name__ == "__main__":
    main()

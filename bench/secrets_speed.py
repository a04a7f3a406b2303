"""What the secret scan costs `build`: scan throughput, and whole builds with and without it warm.

Corpus: the running Python's standard library (.py files, real code) copied into a temporary git
repository, optionally limited to --files. Prints:
- the scan alone over every file (MB/s, in process, detect-secrets imported beforehand);
- `build --stdout` medians: everything cold; token cache warm but scan cache cold (the difference
  from the next row is the scan's cold cost); both warm (a normal second build).
Run: .venv/bin/python bench/secrets_speed.py [--runs N] [--files N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from briefpack.secrets.scan import scan_text


def make_corpus(dest: Path, limit: int) -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts)[:limit]
    for src in files:
        target = dest / src.relative_to(stdlib)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
    subprocess.run(["git", "init", "-q"], cwd=dest, check=True)
    subprocess.run(["git", "add", "-A"], cwd=dest, check=True)
    return [dest / f.relative_to(stdlib) for f in files]


def scan_rate(files: list[Path]) -> tuple[float, float, int]:
    texts = [(str(f), f.read_text(encoding="utf-8", errors="replace")) for f in files]
    scan_text("warm up the detectors: AKIA", "a.py")
    start = time.perf_counter()
    found = sum(len(scan_text(text, name)) for name, text in texts)
    elapsed = time.perf_counter() - start
    return sum(len(t) for _, t in texts) / 1e6, elapsed, found


def build_time(repo: Path, env: dict[str, str], clear: list[Path]) -> float:
    for folder in clear:
        shutil.rmtree(folder, ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "briefpack", "build", "--stdout", "--budget", "100000000"],
        cwd=repo,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "stdlib"
        cache = Path(tmp) / "cache"
        files = make_corpus(repo, args.files)
        size, elapsed, found = scan_rate(files)
        print(f"corpus: {len(files)} files, {size:.1f} MB of Python (stdlib)")
        print(f"scan alone: {elapsed:.2f} s = {size / elapsed:.1f} MB/s, {found} findings")
        env = {**os.environ, "BRIEFPACK_CACHE_DIR": str(cache)}
        tokens, secrets = cache / "tokens", cache / "secrets"
        build_time(repo, env, [])  # tokenizer files seeded, pyc written
        rows = {
            "build, all cold": [tokens, secrets],
            "build, tokens warm, scan cold": [secrets],
            "build, all warm": [],
        }
        print(f"{'':32} {'median s':>9}  ({args.runs} runs)")
        medians = {}
        for name, clear in rows.items():
            times = [build_time(repo, env, clear) for _ in range(args.runs)]
            medians[name] = statistics.median(times)
            print(f"{name:32} {medians[name]:9.3f}")
        cold_scan = medians["build, tokens warm, scan cold"] - medians["build, all warm"]
        print(f"cold scan cost in a build: {cold_scan:.3f} s; warm: nothing is scanned")


if __name__ == "__main__":
    main()

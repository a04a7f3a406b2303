"""How near tokens/estimate.py comes to tiktoken's count, file by file and repository by
repository: what a fitted build plans on before it counts what it chose (issue 18).

For every text file git tracks (under 500 kB, UTF-8), the exact count of its text plus its
segment's heading, over its estimate: percentiles across files, and the ratio of the sums.
The characters per token in estimate.py were measured on the tuning repositories (wagtail,
vite, sphinx, sqlalchemy, sympy, eslint) and Django; the reported ones (typeorm, prettier,
mypy, ansible) show how it holds on code it never saw.

Run: .venv/bin/python bench/estimates.py [REPO ...] [--encoding o200k_base]
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from briefpack.tokens.encodings import load_encoding
from briefpack.tokens.estimate import HIGH, LOW, estimate

TUNED = ["wagtail", "vite", "sphinx", "sqlalchemy", "sympy", "eslint", "django"]
REPORTED = ["typeorm", "prettier", "mypy", "ansible"]
LARGEST = 500_000


def ratios(repo: Path, encoding: str) -> tuple[list[float], int, int]:
    """Each file's count over its estimate; the counts' and the estimates' sums."""
    enc = load_encoding(encoding)
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    found: list[float] = []
    counted = estimated = 0
    for raw in listed.split(b"\0"):
        path = raw.decode("utf-8", "surrogateescape")
        file = repo / path
        if not path or file.is_symlink() or not file.is_file():
            continue
        if file.stat().st_size > LARGEST:
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if "\0" in text:
            continue
        n = len(enc.encode_ordinary(text)) + (len(path) + 20) // 3
        guess = estimate(path, text)
        found.append(n / guess)
        counted, estimated = counted + n, estimated + guess
    return found, counted, estimated


def row(name: str, found: list[float], counted: int, estimated: int) -> str:
    found = sorted(found)

    def at(q: float) -> float:
        return found[int(q * (len(found) - 1))] if found else 0.0

    share = sum(LOW <= r <= HIGH for r in found) / max(len(found), 1)
    return (
        f"{name:12} {len(found):7,} {at(0.01):5.2f} {at(0.05):5.2f} {at(0.5):5.2f}"
        f" {at(0.95):5.2f} {at(0.99):5.2f} {share:7.1%} {counted / max(estimated, 1):6.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repos", nargs="*", help="repositories (default: the corpora below)")
    parser.add_argument("--corpora", type=Path, default=Path("/work/corpora"))
    parser.add_argument("--encoding", default="o200k_base")
    args = parser.parse_args()
    repos = [Path(r) for r in args.repos] or [args.corpora / n for n in TUNED + REPORTED]
    print(f"count / estimate ({args.encoding}); in range: between LOW={LOW} and HIGH={HIGH}")
    print(
        f"{'repository':12} {'files':>7} {'p1':>5} {'p5':>5} {'p50':>5} {'p95':>5} {'p99':>5}"
        f" {'in range':>7} {'sums':>6}"
    )
    for repo in repos:
        if not (repo / ".git").exists():
            print(f"{repo.name:12} (no git repository at {repo})")
            continue
        found, counted, estimated = ratios(repo, args.encoding)
        tag = " (reported)" if repo.name in REPORTED else ""
        print(row(repo.name, found, counted, estimated) + tag)


if __name__ == "__main__":
    main()

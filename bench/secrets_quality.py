"""How well the secret scan chooses, and how fast: redactions on real repositories, recall on the
planted set, false alarms on the look-alikes, scan speed (issue 17).

- Real repositories (default: wagtail, Sphinx and Django under /work/corpora): the findings that
  `build` would redact there, from `briefpack secrets --json REPO` (same settings, same files), and
  the number of files in the brief from `briefpack ls --json REPO`. A public repository holds next
  to no live credential, so nearly every finding there is a false redaction; the target is at
  most 5 per repository. --list prints each finding with the value it matched (read back from the
  file), to judge them one by one.
- Speed: `scan_text` over the texts of those files, in this process and without the scan cache
  (the rules loaded beforehand), as MB/s per repository and over all of them; the best of
  --runs runs (default 2; the machine may be busy).
- The planted set and the look-alikes (tests/secretset): `scan_text` and `redact` in process, as
  tests/test_secret_quality.py runs them: caught / planted by provider, and every look-alike
  flagged.
Run: .venv/bin/python bench/secrets_quality.py [REPO ...] [--list] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.secretset import LOOKALIKES, planted  # noqa: E402

from briefpack.secrets import redact, scan_text, scanner_id  # noqa: E402
from briefpack.secrets.scan import preload  # noqa: E402

DEFAULT_REPOS = ("/work/corpora/wagtail", "/work/corpora/sphinx", "/work/corpora/django")
TARGET = 5  # issue 17: at most this many redactions per real repository
SHOWN = 60  # characters of a matched value --list prints


@dataclass(frozen=True)
class RepoScan:
    """What a build of one repository would redact."""

    root: Path
    files: list[str]  # the brief's files, as `ls --json` lists them
    findings: list[dict[str, Any]]  # path, line, kind (never the value: `secrets --json`)
    megabytes: float = 0.0  # of text scanned for the speed
    seconds: float = 0.0  # the best run's


def briefpack_json(*args: str) -> Any:
    """Run the briefpack of this checkout and parse its JSON output."""
    cmd = [sys.executable, "-m", "briefpack", *args]
    run = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed ({run.returncode}):\n{run.stderr.strip()}")
    return json.loads(run.stdout)


def scan_repo(root: Path, runs: int) -> RepoScan:
    files = [row["path"] for row in briefpack_json("ls", "--json", str(root))]
    findings = briefpack_json("secrets", "--json", str(root))
    megabytes, seconds = scan_speed(root, files, runs)
    return RepoScan(root, files, findings, megabytes, seconds)


def scan_speed(root: Path, files: Sequence[str], runs: int) -> tuple[float, float]:
    """MB of text in `files` and the best time `scan_text` takes over all of them."""
    texts = []
    for path in files:
        try:
            texts.append((path, (root / path).read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    preload()
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for path, text in texts:
            scan_text(text, path)
        best = min(best, time.perf_counter() - start)
    return sum(len(text) for _, text in texts) / 1e6, best


def repo_table(scans: Sequence[RepoScan]) -> list[str]:
    """One row per repository: files, findings, files with findings, scan speed, findings per
    kind; and the speed over all of them."""
    head = f"{'repo':12} {'files':>6} {'findings':>8} {'in files':>8} {'MB':>6} {'MB/s':>6}"
    rows = [f"{head}  by kind"]
    for scan in scans:
        kinds = Counter(f["kind"] for f in scan.findings).most_common()
        touched = len({f["path"] for f in scan.findings})
        by_kind = ", ".join(f"{kind} {n}" for kind, n in kinds) or "-"
        mark = "" if len(scan.findings) <= TARGET else f"  (target <= {TARGET})"
        counts = f"{len(scan.files):>6} {len(scan.findings):>8} {touched:>8}"
        speed = f"{scan.megabytes:>6.1f} {_rate(scan.megabytes, scan.seconds):>6.1f}"
        rows.append(f"{scan.root.name:12} {counts} {speed}  {by_kind}{mark}")
    megabytes, seconds = sum(s.megabytes for s in scans), sum(s.seconds for s in scans)
    rows.append(
        f"scan speed over all: {megabytes:.1f} MB in {seconds:.2f} s = "
        f"{_rate(megabytes, seconds):.1f} MB/s (scan_text, no cache, best of runs)"
    )
    return rows


def _rate(megabytes: float, seconds: float) -> float:
    return megabytes / seconds if seconds else 0.0


def finding_lines(scan: RepoScan) -> list[str]:
    """Each finding as `path:line kind  value`: the value read back by scanning the file again."""
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in scan.findings:
        by_path[f["path"]].append(f)
    lines = [f"-- {scan.root.name}: {len(scan.findings)} findings"]
    for path, found in by_path.items():
        values = _values(scan.root / path, path)
        for f in found:
            queue = values.get((f["line"], f["kind"]))  # in order, when a line has several
            value = _short(queue.pop(0)) if queue else "? (not found in the file as it is now)"
            lines.append(f"{path}:{f['line']} {f['kind']}  {value}")
    return lines


def _values(file: Path, path: str) -> dict[tuple[int, str], list[str]]:
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    values: dict[tuple[int, str], list[str]] = defaultdict(list)
    for f in scan_text(text, path):
        values[f.line, f.kind].append(text[f.start : f.end])
    return values


def _short(value: str) -> str:
    more = "..." if len(value) > SHOWN else ""
    return repr(value[:SHOWN]) + more


def planted_report() -> list[str]:
    """Recall on the planted set, by provider, naming each case missed."""
    files, plants = planted()
    redacted = {path: redact(text, scan_text(text, path)) for path, text in files.items()}
    caught: Counter[str] = Counter()
    total: Counter[str] = Counter()
    missed: dict[str, list[str]] = defaultdict(list)
    for plant in plants:
        total[plant.provider] += 1
        if plant.leaks(redacted[plant.path]):
            missed[plant.provider].append(plant.case)
        else:
            caught[plant.provider] += 1
    kinds = len({p.kind for p in plants})
    rows = [
        f"planted: {sum(caught.values())}/{len(plants)} caught "
        f"({len(plants)} credentials, {kinds} kinds, {len(total)} providers, {len(files)} files)",
        f"  {'provider':12} {'caught':>6} {'of':>3}  missed",
    ]
    for provider in sorted(total):
        gone = ", ".join(missed[provider]) or "-"
        rows.append(f"  {provider:12} {caught[provider]:>6} {total[provider]:>3}  {gone}")
    return rows


def lookalike_report() -> list[str]:
    """False alarms on the look-alikes: each one flagged, with what was matched."""
    flagged = []
    for case in LOOKALIKES:
        found = scan_text(case.text, case.path)
        if found:
            shown = "; ".join(f"{f.kind} {_short(case.text[f.start : f.end])}" for f in found)
            flagged.append(f"  {case.case}: {shown}")
    head = f"look-alikes: {len(flagged)}/{len(LOOKALIKES)} flagged (target 0)"
    return [head, *flagged]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repos", nargs="*", type=Path, default=[Path(p) for p in DEFAULT_REPOS])
    parser.add_argument("--list", action="store_true", help="print each finding and its value")
    parser.add_argument("--runs", type=int, default=2, help="timed scans per repository")
    args = parser.parse_args()
    print(f"scanner {scanner_id()}")
    scans = [scan_repo(root, max(1, args.runs)) for root in args.repos]
    print("\n".join(repo_table(scans)))
    if args.list:
        for scan in scans:
            print("\n".join(finding_lines(scan)))
    print("\n".join(planted_report()))
    print("\n".join(lookalike_report()))


if __name__ == "__main__":
    main()

"""Relevance cases mined from real history (used by bench/relevance.py).

A case is a commit: its parent is the repository, its message (subject and body, trailers
removed) the goal, and the source files it modified (not tests, docs, translations or
migrations) the gold set a good brief must carry in full. Merges, reverts, releases, version
bumps, lint-, format- and typo-only commits are skipped, and so are commits touching more than
MAX_GOLD source files (a sweeping refactor names no files a goal could find), and changes already
in their parent's history (a backport, a cherry-pick: the same subject, PR number and
`[branch]` tags aside): no one asks for a change the repository already holds, and its twin's
message would name the very files to find.
"""

from __future__ import annotations

import re
import subprocess
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path

MAX_GOLD = 6
SOURCE = re.compile(
    r"\.(py|pyi|js|mjs|cjs|jsx|ts|mts|cts|tsx|vue|svelte|go|rs|java|rb|c|h|cc|cpp|hpp|cs|php)$"
)
NOT_SOURCE = re.compile(
    r"(^|/)(tests?|testing|spec|specs|__tests__|__mocks__|e2e|docs?|examples?|fixtures?|"
    r"playground|benchmarks?|scripts|locale|locales|migrations?|changelogs?|changes)/"
    r"|(^|/)test_[^/]*$|_test\.\w+$|\.(test|spec|stories)\.\w+$|(^|/)(conftest|tests?)\.py$"
    r"|\.d\.ts$"
)
SKIP_SUBJECT = re.compile(
    r"^(revert|merge|release|bump|v?\d+\.\d+|chore\(release)|\((deps|deps-dev)\)|dependenc"
    r"|\b(typo|lint|linting|format(ting)?|prettier|flake8|isort|black|ruff|pyupgrade|"
    r"copyright|changelog|version bump)\b",
    re.IGNORECASE,
)
TRAILER = re.compile(r"^[A-Za-z][A-Za-z-]*: .+$|^\(cherry picked from .*\)$")
TAGS = re.compile(r"^(\s*\[[^\]]*\])+|\(#\d+\)|\s+")


@dataclass(frozen=True)
class Case:
    """One commit to brief for."""

    repo: str  # the corpus' folder name
    commit: str
    parent: str
    goal: str
    gold: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return asdict(self)


def goal_of(message: str) -> str:
    """The message without its trailers (Signed-off-by:, Co-authored-by:, …)."""
    lines = message.strip().splitlines()
    while lines and (TRAILER.match(lines[-1].strip()) or not lines[-1].strip()):
        lines.pop()
    return "\n".join(lines).strip()


def mine(repo: Path, wanted: int, *, scan: int = 4000) -> list[Case]:
    """Up to `wanted` cases, spread evenly over the last `scan` non-merge commits."""
    log = subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "log",
            "--no-merges",
            f"-n{scan}",
            "--no-renames",
            "--format=%x1e%H %P%x1f%B%x1f",
            "--name-status",
        ],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "replace")
    found, subjects = [], defaultdict(list)
    for record in log.split("\x1e")[1:]:
        head, message, files = record.split("\x1f")
        shas = head.split()
        subjects[_subject(message)].append(shas[0])
        if len(shas) != 2 or SKIP_SUBJECT.search(
            message.strip().splitlines()[0] if message.strip() else ""
        ):
            continue
        gold = []
        for line in files.strip().splitlines():
            status, _, path = line.partition("\t")
            if status == "M" and SOURCE.search(path) and not NOT_SOURCE.search(path):
                gold.append(path)
        goal = goal_of(message)
        if gold and len(gold) <= MAX_GOLD and len(goal) >= 15:
            found.append(Case(repo.name, shas[0], shas[1], goal, tuple(sorted(gold))))
    found = [c for c in found if not _already_there(repo, c, subjects[_subject(c.goal)])]
    if len(found) <= wanted:
        return found
    step = len(found) / wanted
    return [found[int(i * step)] for i in range(wanted)]


def _subject(message: str) -> str:
    """A message's first line, lower-cased, without `[branch]` tags, PR numbers and spaces."""
    line = message.strip().splitlines()[0] if message.strip() else ""
    return TAGS.sub("", line).lower()


def _already_there(repo: Path, case: Case, twins: list[str]) -> bool:
    """Whether a commit with the case's subject is in the history its parent carries."""
    for twin in twins:
        if twin != case.commit:
            ancestor = subprocess.run(
                ["git", "-C", str(repo), "merge-base", "--is-ancestor", twin, case.parent],
                capture_output=True,
            )
            if ancestor.returncode == 0:
                return True
    return False

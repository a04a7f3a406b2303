"""What the repository's history says of a goal: the files changed together with the best
matches (`changed with`), and the files the past changes most like the goal touched (`like a
past change`). Pure: the commits come in as data (brief/ranking.py reads them from git).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from briefpack.select.kinds import kind_weight
from briefpack.select.terms import bm25, term_counts

CO_CHANGE_SHARE = 0.2  # of a seed's score, times the share of its commits a file was in
CO_CHANGE_MIN = 2  # commits two files share before one says anything of the other
CO_CHANGE_MAX_FILES = 30  # a commit touching more is a sweep (a rename, a format), not a change
LIKE_COMMITS = 10  # the past changes most like the goal that speak for their files
LIKE_SHARE = 0.32  # of the best file's score, for a file the most alike change touched alone
# (tuned on the relevance benchmark's tuning repositories: +0.04 recall at 128 k tokens,
# +0.05 at 32 k)


class Commit(NamedTuple):
    """One past commit: the files it touched (relative to the brief's root) and its message."""

    files: frozenset[str]
    message: str = ""


def co_changed(
    paths: Sequence[str],
    history: Sequence[Commit],
    scores: dict[str, float],
    reasons: dict[str, list[str]],
    seeds: Sequence[tuple[int, float]],
) -> None:
    """Give the files often changed together with the top files a share of their score: of
    the commits that touched a seed (bulk ones aside), the share that touched the file too."""
    if not history or not seeds:
        return
    index = {p: i for i, p in enumerate(paths)}
    bonus: dict[int, float] = defaultdict(float)
    why: dict[int, str] = {}
    for s, score in seeds:
        seed = paths[s]
        commits = [c.files for c in history if seed in c.files]
        commits = [c for c in commits if len(c) <= CO_CHANGE_MAX_FILES]
        if len(commits) < CO_CHANGE_MIN:
            continue
        together = Counter(p for c in commits for p in c if p != seed and p in index)
        for path, n in together.items():
            if n >= CO_CHANGE_MIN:
                i = index[path]
                bonus[i] += CO_CHANGE_SHARE * score * n / len(commits) * kind_weight(path)
                why.setdefault(i, f"changed with {seed} ({n} of its {len(commits)} commits)")
    for i, extra in bonus.items():
        scores[paths[i]] += extra
        reasons[paths[i]].append(why[i])


def like_past(
    query: str,
    history: Sequence[Commit],
    scores: dict[str, float],
    reasons: dict[str, list[str]],
    best: float,
) -> None:
    """Give the files that the past changes most like the goal touched a share of `best` (the
    best file's score, the diff's bonus aside): BM25 of the goal's terms over the commits'
    messages, the LIKE_COMMITS best each speaking for its files (less, the more it touched)."""
    alike = _alike(term_counts(query), history)
    if not alike or best <= 0:
        return
    top = alike[0][0]
    bonus: dict[str, float] = defaultdict(float)
    why: dict[str, str] = {}
    for similarity, commit in alike:
        for path in commit.files & scores.keys():
            bonus[path] += similarity / top / math.sqrt(len(commit.files))
            why.setdefault(path, f"like a past change: {_subject(commit.message)}")
    for path, share in bonus.items():
        scores[path] += LIKE_SHARE * best * share * kind_weight(path)
        reasons[path].append(why[path])


def _alike(query: Mapping[str, int], history: Sequence[Commit]) -> list[tuple[float, Commit]]:
    """The LIKE_COMMITS commits (bulk ones aside) whose messages best match `query`, best
    first, with their BM25 scores."""
    commits = [c for c in history if c.message and len(c.files) <= CO_CHANGE_MAX_FILES]
    if not query or not commits:
        return []
    terms = [term_counts(c.message) for c in commits]
    scores, _ = bm25(query, terms, [sum(t.values()) for t in terms])
    found = [(score, commit) for score, commit in zip(scores, commits, strict=True) if score > 0]
    found.sort(key=lambda f: -f[0])  # stable: the newer of two alike commits first
    return found[:LIKE_COMMITS]


def _subject(message: str) -> str:
    """The message's first line, quoted, cut at 60 characters, control characters shown as `?`
    (a clone's commit message is not the terminal's to steer)."""
    line = message.strip().splitlines()[0] if message.strip() else ""
    line = "".join(c if c.isprintable() else "?" for c in line)
    return f'"{line[:60]}…"' if len(line) > 60 else f'"{line}"'

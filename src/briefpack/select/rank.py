"""Ranking: every candidate file scored against the goal (or, without one, by its place in the
code), best first. Pure: it reads profiles and paths, never the disk.

Signals, each named in a file's reasons (`ls --why` shows them):
- `pinned`: matches `include`, `priority` or `--full`: always first, in the globs' order;
- `changed`: in the `--diff`;
- `named`: the goal names its path or its file name;
- `defines`: it defines an identifier the goal names (`RateLimiter`, `get_user`);
- `text`: BM25 of the goal's terms over its content, and over its path (weighted higher);
- `uses`/`used by`: a neighbour in the code graph of a file the goal is about (it defines a
  name that file uses, or uses a name that file defines);
- `changed with`, `like a past change`: history (select/past.py): often committed together with
  a file the goal is about; touched by the past commits whose messages are most like the goal;
- `central`, `recent` (no goal): how many files use its definitions; how often it changed lately;
- tests, fixtures, migrations, translation catalogs, generated and vendored files are weighted
  below the code they belong to.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from briefpack.select import central
from briefpack.select.central import owns_of
from briefpack.select.kinds import kind, kind_weight
from briefpack.select.past import Commit, co_changed, like_past
from briefpack.select.profile import Profile
from briefpack.select.terms import bm25, path_terms, term_counts

PATH_WEIGHT = 2.5  # a goal's word in a file's path says more than the same word in its text
SEEDS = 12  # the top files whose code-graph neighbours get a share of their score
NEIGHBOUR_SHARE = 0.3


@dataclass(frozen=True)
class Ranked:
    """One file's place: rank 1 is the most relevant."""

    path: str
    rank: int
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    """What the brief is about: its goal and everything said with it (warnings, what was
    tried, the task, the diff), plus the files the diff touches and the pins."""

    text: str = ""
    changed: frozenset[str] = frozenset()
    pinned: tuple[str, ...] = ()  # paths matching a pin, in pin order
    recent: Mapping[str, int] | None = None  # path -> commits that touched it lately
    history: Sequence[Commit] = ()  # recent commits, newest first (select/past.py)


def rank_files(
    paths: Sequence[str],
    profiles: Sequence[Profile],
    query: Query,
    *,
    used: Sequence[int] | None = None,
) -> list[Ranked]:
    """Every path with its rank, best first (ties keep path order). Without a goal, `used`:
    each file's centrality, when kept by central.py (else made from `profiles`)."""
    scores: dict[str, float] = {}
    reasons: dict[str, list[str]] = defaultdict(list)
    goal = bool(query.text.strip())
    if goal:
        _goal_scores(paths, profiles, query.text, scores, reasons)
    else:
        if used is None:
            owns = [owns_of(p, prof) for p, prof in zip(paths, profiles, strict=True)]
            used = central.used_by(paths, owns, [prof.terms.keys() for prof in profiles])
        _goal_free_scores(paths, used, query.recent or {}, scores, reasons)
    for path in query.changed:
        if path in scores:
            scores[path] += 1000.0
            reasons[path].insert(0, "changed")
    for path in paths:
        weight = kind_weight(path)
        if weight < 1.0:
            scores[path] *= weight
            reasons[path].append(f"{kind(path)} (weighted {weight:g})")
    if goal:  # after weighting: a test or a changelog that says the goal's words is no seed
        seeds = _seeds(paths, scores)
        _spread(paths, profiles, scores, reasons, seeds)
        co_changed(paths, query.history, scores, reasons, seeds)
        best = max((v for p, v in scores.items() if p not in query.changed), default=0.0)
        like_past(query.text, query.history, scores, reasons, best)
    pinned = {p: i for i, p in enumerate(query.pinned)}
    order = sorted(
        range(len(paths)),
        key=lambda i: (paths[i] not in pinned, pinned.get(paths[i], 0), -scores[paths[i]], i),
    )
    ranked = []
    for rank, i in enumerate(order, start=1):
        path = paths[i]
        why = ["pinned", *reasons[path]] if path in pinned else reasons[path]
        ranked.append(Ranked(path, rank, round(scores[path], 4), tuple(why)))
    return ranked


def _goal_scores(
    paths: Sequence[str],
    profiles: Sequence[Profile],
    text: str,
    scores: dict[str, float],
    reasons: dict[str, list[str]],
) -> None:
    query = term_counts(text)
    found, idf = bm25(query, [p.terms for p in profiles], [p.length for p in profiles])
    named = _named(text)
    lowered = text.lower()
    for path, prof, content in zip(paths, profiles, found, strict=True):
        in_path = set(path_terms(path))
        on_path = PATH_WEIGHT * sum(idf[t] for t in in_path & query.keys())
        score = content + on_path
        if content:
            reasons[path].append(f"text {content:.1f}")
        if on_path:
            reasons[path].append(f"path {on_path:.1f}")
        mention = _mention(path, lowered, named)
        if mention:
            score += mention[0]
            reasons[path].insert(0, mention[1])
        defined = [d for d in prof.defines if d.lower() in named.identifiers]
        if defined:
            score += 20.0 * len(defined)
            reasons[path].insert(0, "defines " + ", ".join(defined[:3]))
        scores[path] = score


@dataclass(frozen=True)
class _Named:
    words: frozenset[str]  # the query's words, lower-cased
    identifiers: frozenset[str]  # words that look like code: `get_user`, `RateLimiter`, `x()`


_IDENT = re.compile(r"[A-Za-z_][\w]*[_A-Z][\w]*|[A-Za-z_]\w*(?=\()|`([^`\s]+)`")


def _named(text: str) -> _Named:
    words = frozenset(w.lower() for w in re.findall(r"[\w.\-/]+", text))
    idents = set()
    for match in _IDENT.finditer(text):
        word = (match.group(1) or match.group(0)).strip("`").split(".")[-1].rstrip("()")
        if len(word) > 3:
            idents.add(word.lower())
    return _Named(words, frozenset(idents))


def _mention(path: str, lowered_text: str, named: _Named) -> tuple[float, str] | None:
    """The goal names this file: by its path (or its last parts), or by its file name."""
    lowered = path.lower()
    if lowered in lowered_text:
        return 200.0, "named (path)"
    parts = lowered.split("/")
    if len(parts) > 2 and "/".join(parts[-2:]) in lowered_text:
        return 150.0, "named (path)"
    name = parts[-1]
    stem = name.rsplit(".", 1)[0]
    if name in named.words:
        return 100.0, "named (file)"
    if len(stem) > 4 and stem in named.words and stem not in _GENERIC_STEMS:
        return 30.0, "named (file stem)"
    return None


_GENERIC_STEMS = frozenset(
    {"index", "utils", "models", "views", "admin", "tests", "types", "config", "settings", "base"}
)


def _seeds(paths: Sequence[str], scores: Mapping[str, float]) -> list[tuple[int, float]]:
    """The best files so far, with their scores (fixed before any share is given)."""
    best = sorted(range(len(paths)), key=lambda i: -scores[paths[i]])[:SEEDS]
    return [(i, scores[paths[i]]) for i in best if scores[paths[i]] > 0]


def _spread(
    paths: Sequence[str],
    profiles: Sequence[Profile],
    scores: dict[str, float],
    reasons: dict[str, list[str]],
    seeded: Sequence[tuple[int, float]],
) -> None:
    """Give the top files' code-graph neighbours a share of their score: the files defining
    what they use, and (less) the files using what they define (a one-step personalized walk).
    Each neighbour gets a seed's share once, split among all that seed's neighbours."""
    if not seeded:
        return
    seeds, seed_score = [i for i, _ in seeded], dict(seeded)
    definers = central.definers([owns_of(p, prof) for p, prof in zip(paths, profiles, strict=True)])
    names = central.term_names(definers)  # term -> the defined name it stands for
    bonus: dict[int, float] = defaultdict(float)
    why: dict[int, str] = {}
    owned = {s: {d.lower() for d in profiles[s].defines} & definers.keys() for s in seeds}
    users = _users(profiles, owned)
    for s in seeds:
        seed = profiles[s]
        uses = {o for t in names.keys() & seed.terms.keys() for o in definers[names[t]]}
        for group, label, weight in ((uses, "used by", 1.0), (users[s], "uses", 0.5)):
            group.discard(s)
            if not group:
                continue
            share = NEIGHBOUR_SHARE * weight * seed_score[s] / math.sqrt(len(group))
            for i in group:
                bonus[i] += share * kind_weight(paths[i])
                why.setdefault(i, f"{label} {paths[s]}")
    for i, extra in bonus.items():
        scores[paths[i]] += extra
        reasons[paths[i]].append(why[i])


def _users(profiles: Sequence[Profile], owned: Mapping[int, set[str]]) -> dict[int, set[int]]:
    """For each seed, the files whose terms hold a name it defines (one pass over the files)."""
    by_name: dict[str, list[int]] = defaultdict(list)
    for seed, names in owned.items():
        for name in names:
            by_name[name].append(seed)
    users: dict[int, set[int]] = {seed: set() for seed in owned}
    wanted = by_name.keys()
    for i, prof in enumerate(profiles):
        for name in wanted & prof.terms.keys():
            for seed in by_name[name]:
                users[seed].add(i)
    return users


def _goal_free_scores(
    paths: Sequence[str],
    used: Sequence[int],
    recent: Mapping[str, int],
    scores: dict[str, float],
    reasons: dict[str, list[str]],
) -> None:
    """Without a goal: files whose definitions many code files use (`used`, see central.py),
    then files changed lately."""
    for i, path in enumerate(paths):
        central = math.log1p(used[i])
        lately = math.log1p(recent.get(path, 0))
        scores[path] = central + 0.5 * lately
        if used[i]:
            reasons[path].append(f"central (its names used {used[i]} times)")
        if lately:
            reasons[path].append(f"recent ({recent[path]} commits)")

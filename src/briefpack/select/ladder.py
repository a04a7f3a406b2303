"""The ladder: each file of a brief at one level, `full` text, `outline` or `path` only.

Planning is pure arithmetic on token counts: fill the budget in rank order, full text first
(most of the room), then outlines, and leave the rest in the tree by path. Each pass stops at
the first file without a score that does not fit (relevant files may fill a gap after a larger
one): small files filling the last gaps would change with every edit anywhere, and a snapshot's
levels would churn from commit to commit. The pipeline renders
the plan, counts it exactly, and asks `demote` for more room while it is over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Level = Literal["full", "outline", "path"]

FULL_SHARE = 0.9  # of the room, what full text may take before outlines get the rest
SIZE_PENALTY = 0.2  # full text goes by score / (tokens + 500) ** this: at equal relevance,
# two files of 5 k tokens carry more of what the goal needs than one of 40 k (tuned on the
# relevance benchmark's tuning repositories: +0.04 recall at 128 k tokens)
OUTLINE_MISSES = 100  # outlines in a row too large for what is left, and the rest are not made:
# on Django the last outline to fit came within 110 of the one before, and making the 1,500
# after it took 2.4 s of a 7 s first build
TREE_LINE = 6  # about what a carried file adds to the tree (its line, and its folder opened)


class PinTooLarge(Exception):
    """A pinned file cannot fit in full text."""

    def __init__(self, path: str, tokens: int, room: int) -> None:
        super().__init__(path)
        self.path, self.tokens, self.room = path, tokens, room


@dataclass(frozen=True)
class Plan:
    """Each file's level, and the ranked order the plan was made in."""

    levels: dict[str, Level]
    order: tuple[str, ...]


def plan(
    order: Sequence[str],
    full: Mapping[str, int],
    outline_cost: Callable[[str], int | None],
    room: int,
    pinned: frozenset[str] = frozenset(),
    scores: Mapping[str, float] | None = None,
    kept: frozenset[str] = frozenset(),
) -> Plan:
    """Levels for the files in `order` (best first) within `room` tokens. `full`: each file's
    tokens in full; `outline_cost`: its outline's tokens, or None when it has none; `scores`:
    relevance, which (with size) orders who gets full text. Pinned files go in full first, or
    raise PinTooLarge; then `kept` ones, where they fit (a plan grown from a smaller one keeps
    what that one carried in full: the files it read)."""
    levels: dict[str, Level] = dict.fromkeys(order, "path")
    left = room
    for path in order:
        if path in pinned:
            cost = full[path] + TREE_LINE
            if cost > left:
                raise PinTooLarge(path, full[path], left)
            levels[path] = "full"
            left -= cost
    full_room = left * FULL_SHARE
    for path in order:
        cost = full[path] + TREE_LINE
        if path in kept and levels[path] == "path" and cost <= left:
            levels[path] = "full"
            full_room -= cost
            left -= cost
    for path in _by_value(order, full, scores):
        cost = full[path] + TREE_LINE
        if levels[path] == "path" and cost <= full_room:
            levels[path] = "full"
            full_room -= cost
            left -= cost
        elif levels[path] == "path" and not (scores or {}).get(path, 0.0) > 0:
            break  # files without a score fill no gaps after one that does not fit (see below)
    missed = 0  # outlines in a row that did not fit
    for path in order:
        if levels[path] == "path" and missed < OUTLINE_MISSES:
            small = outline_cost(path)
            if small is None or small >= full[path]:
                continue
            if small + TREE_LINE > left:
                missed += 1
                if (scores or {}).get(path, 0.0) > 0:
                    continue  # a relevant file's large outline leaves room for the next ones
                break
            levels[path] = "outline"
            left -= small + TREE_LINE
            missed = 0
    return Plan(levels, tuple(order))


def _by_value(
    order: Sequence[str], full: Mapping[str, int], scores: Mapping[str, float] | None
) -> list[str]:
    """`order`, with the files that have a score sorted by score per size (see SIZE_PENALTY);
    files without one keep their place after them."""
    if not scores:
        return list(order)
    scored = [p for p in order if scores.get(p, 0.0) > 0]
    rest = [p for p in order if scores.get(p, 0.0) <= 0]
    scored.sort(key=lambda p: -scores[p] / (full[p] + 500) ** SIZE_PENALTY)
    return scored + rest


def demote(
    plan_: Plan,
    excess: int,
    full: Mapping[str, int],
    outline_cost: Callable[[str], int | None],
    pinned: frozenset[str] = frozenset(),
) -> Plan | None:
    """The plan with files stepped down from the lowest rank up until about `excess` tokens
    are freed: outlines to paths first, then full text to outline (or path). None when nothing
    is left to step down."""
    levels = dict(plan_.levels)
    freed = 0
    for step in ("outline", "full"):
        for path in reversed(plan_.order):
            if freed > excess:
                return Plan(levels, plan_.order)
            if levels[path] != step or path in pinned:
                continue
            if step == "outline":
                freed += (outline_cost(path) or 0) + TREE_LINE
                levels[path] = "path"
            else:
                cost = outline_cost(path)
                levels[path] = "outline" if cost is not None and cost < full[path] // 2 else "path"
                kept = cost if levels[path] == "outline" and cost is not None else 0
                freed += full[path] - kept
    if freed == 0:
        return None
    return Plan(levels, plan_.order)


def spent(plan_: Plan, full: Mapping[str, int], outline_cost: Callable[[str], int | None]) -> int:
    """What the plan's files cost by the figures it was made on (as `plan` reckons room)."""
    total = 0
    for path, level in plan_.levels.items():
        if level == "full":
            total += full[path] + TREE_LINE
        elif level == "outline":
            total += (outline_cost(path) or 0) + TREE_LINE
    return total


def arrange(paths: Sequence[str], ranks: Mapping[str, int], last: int = 10) -> list[str]:
    """The order full files appear in: path order, but the `last` best-ranked come at the end,
    the best last of all, nearest to where the model reads on (and to the goal, restated)."""
    top = sorted((p for p in paths if ranks.get(p, 1 << 30) <= last), key=lambda p: -ranks[p])
    chosen = set(top)
    return [*(p for p in paths if p not in chosen), *top]

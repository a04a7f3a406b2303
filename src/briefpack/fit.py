"""Fitting a brief to its budget by the ladder: files step down from full text to their outline,
then to their path in the tree, from the lowest rank up, until the exact count fits.

The plan is made on counts (select/ladder.py); every round is rendered and counted exactly, so
the total reported is always the count of the text emitted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from briefpack.brief import Brief, Doc, Segment, Style, render
from briefpack.errors import OverBudgetError
from briefpack.select.ladder import Level, PinTooLarge, Plan, arrange, demote, plan
from briefpack.select.outline import outline

ROUNDS = 12  # exact re-counts before giving up (each demotes at least one more file)
Count = Callable[[Sequence[Segment]], list[int]]


@dataclass(frozen=True)
class Fitted:
    """A brief within its budget, rendered and counted, and each file's level."""

    brief: Brief
    segments: tuple[Segment, ...]
    counts: list[int]
    levels: dict[str, Level]
    notices: tuple[str, ...] = ()  # outlines that could not be made, and why


def fit(
    brief: Brief,
    full: Mapping[str, int],
    order: Sequence[str],
    *,
    budget: int,
    style: Style,
    count: Count,
    pinned: frozenset[str] = frozenset(),
    scores: Mapping[str, float] | None = None,
) -> Fitted:
    """`brief` (over budget) with its code files on the ladder. `full`: each file's tokens in
    full text; `order`: the files, best-ranked first; `count`: exact counts of segments."""
    docs = {d.path: d for d in brief.files}
    outlines = _Outlines(docs, style, count)
    bare = replace(brief, files=(), path_only=dict(full))
    base = sum(count(render(bare, style)))
    if base > budget:
        raise OverBudgetError(
            f"even with every file by path only the brief is {base:,} tokens, over the budget"
            f" of {budget:,}",
            hint="trim the notes, schema or about file, or raise --budget",
        )
    try:
        current: Plan | None = plan(order, full, outlines.cost, budget - base, pinned, scores)
    except PinTooLarge as pin:
        raise OverBudgetError(
            f"pinned file {pin.path} ({pin.tokens:,} tokens) cannot fit in full text"
            f" ({pin.room:,} tokens of room)",
            hint="unpin it (priority, --full), or raise --budget",
        ) from None
    for _ in range(ROUNDS):
        assert current is not None
        fitted = _rendered(brief, docs, current, outlines, full, style, count)
        over = sum(fitted.counts) - budget
        if over <= 0:
            problems = outlines.problems
            said = tuple(f"{p}: {problems[p]}; path only" for p in docs if p in problems)
            return replace(fitted, notices=said)
        current = demote(current, over, full, outlines.cost, pinned)
        if current is None:
            break
    raise OverBudgetError(  # not reached in practice: every round frees what it was short
        f"the brief did not fit the budget of {budget:,} tokens", hint="raise --budget"
    )


def _rendered(
    brief: Brief,
    docs: Mapping[str, Doc],
    current: Plan,
    outlines: _Outlines,
    full: Mapping[str, int],
    style: Style,
    count: Count,
) -> Fitted:
    levels = current.levels
    ranks = {p: i for i, p in enumerate(current.order, start=1)}
    in_full = [p for p in docs if levels.get(p, "full") == "full"]
    shown = replace(
        brief,
        files=tuple(docs[p] for p in arrange(in_full, ranks)),
        outlines=tuple(outlines.doc(p) for p in docs if levels.get(p) == "outline"),
        path_only={p: full[p] for p in docs if levels.get(p) == "path"},
    )
    segments = render(shown, style)
    return Fitted(shown, segments, count(segments), dict(levels))


class _Outlines:
    """Outlines made when first asked for, with the tokens of their rendered segment."""

    def __init__(self, docs: Mapping[str, Doc], style: Style, count: Count) -> None:
        self.docs, self.style, self.count = docs, style, count
        self.texts: dict[str, str | None] = {}
        self.costs: dict[str, int | None] = {}
        self.problems: dict[str, str] = {}

    def cost(self, path: str) -> int | None:
        if path not in self.costs:
            text = self.text(path)
            if text is None:
                self.costs[path] = None
            else:
                one = render(Brief(outlines=(Doc(path, text),)), self.style)
                self.costs[path] = self.count([s for s in one if s.path == path])[0]
        return self.costs[path]

    def text(self, path: str) -> str | None:
        if path not in self.texts:
            made = outline(path, self.docs[path].text)
            self.texts[path] = made.text
            if made.problem:
                self.problems[path] = made.problem
        return self.texts[path]

    def doc(self, path: str) -> Doc:
        text = self.text(path)
        assert text is not None
        return Doc(path, text)

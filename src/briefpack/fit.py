"""Fitting a brief to its budget by the ladder: files step down from full text to their outline,
then to their path in the tree, from the lowest rank up, until the exact count fits.

The plan is made on counts (select/ladder.py); every round is rendered and counted exactly, so
the total reported is always the count of the text emitted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from briefpack.brief import Brief, Doc, Segment, Style, doc_segment, render
from briefpack.errors import OverBudgetError
from briefpack.select.ladder import Level, PinTooLarge, Plan, arrange, demote, plan
from briefpack.select.outline import outline
from briefpack.select.profile import OutlineCache

ROUNDS = 12  # exact re-counts before giving up (each demotes at least one more file)
TREE_SHARE = 0.08  # the tree lists less (tree.DETAIL) while it takes more of the budget
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
    outlines: OutlineCache | None = None,
) -> Fitted:
    """`brief` (over budget) with its code files on the ladder. `full`: each file's tokens in
    full text; `order`: the files, best-ranked first; `count`: exact counts of segments;
    `scores`: relevance (see ladder.plan); `outlines`: where outlines are cached."""
    job = _Job(brief, full, order, budget, style, count, pinned, scores or {}, outlines)
    for detail in (2, 1, 0):  # a tree listing less, while it would crowd the budget
        fitted = job.at(detail)
        tree = sum(
            n for s, n in zip(fitted.segments, fitted.counts, strict=True) if s.section == "tree"
        )
        if tree <= TREE_SHARE * budget:
            break
    problems = job.outlines.problems
    said = tuple(f"{p}: {problems[p]}; path only" for p in job.docs if p in problems)
    return replace(fitted, notices=said)


@dataclass
class _Job:
    """One brief to fit, and what every attempt at it shares."""

    brief: Brief
    full: Mapping[str, int]
    order: Sequence[str]
    budget: int
    style: Style
    count: Count
    pinned: frozenset[str]
    scores: Mapping[str, float]
    cache: OutlineCache | None

    def __post_init__(self) -> None:
        self.docs = {d.path: d for d in self.brief.files}
        self.outlines = _Outlines(self.docs, self.style, self.count, self.cache)

    def at(self, detail: int) -> Fitted:
        """The brief fitted with the tree at this detail: planned, then stepped down until the
        exact count fits."""
        brief = replace(self.brief, tree_detail=detail)
        bare = replace(brief, files=(), path_only=dict(self.full))
        base = sum(self.count(render(bare, self.style)))
        if base > self.budget:
            raise OverBudgetError(
                f"even with every file by path only the brief is {base:,} tokens, over the"
                f" budget of {self.budget:,}",
                hint="trim the notes, schema or about file, or raise --budget",
            )
        cost = self.outlines.cost
        try:
            current = plan(
                self.order, self.full, cost, self.budget - base, self.pinned, self.scores
            )
        except PinTooLarge as pin:
            raise OverBudgetError(
                f"pinned file {pin.path} ({pin.tokens:,} tokens) cannot fit in full text"
                f" ({pin.room:,} tokens of room)",
                hint="unpin it (priority, --full), or raise --budget",
            ) from None
        for _ in range(ROUNDS):
            fitted = self.rendered(brief, current)
            over = sum(fitted.counts) - self.budget
            if over <= 0:
                return fitted
            lower = demote(current, over, self.full, cost, self.pinned)
            if lower is None:
                break
            current = lower
        raise OverBudgetError(  # not reached in practice: every round frees what it was short
            f"the brief did not fit the budget of {self.budget:,} tokens", hint="raise --budget"
        )

    def rendered(self, brief: Brief, current: Plan) -> Fitted:
        """The brief at the plan's levels, rendered and counted."""
        levels, docs = current.levels, self.docs
        ranks = {p: i for i, p in enumerate(current.order, start=1)}
        in_full = [p for p in docs if levels.get(p, "full") == "full"]
        shown = replace(
            brief,
            files=tuple(docs[p] for p in arrange(in_full, ranks)),
            outlines=tuple(self.outlines.doc(p) for p in docs if levels.get(p) == "outline"),
            path_only={p: self.full[p] for p in docs if levels.get(p) == "path"},
        )
        segments = render(shown, self.style)
        return Fitted(shown, segments, self.count(segments), dict(levels))


class _Outlines:
    """Outlines made when first asked for (or taken from the cache), with the tokens of their
    rendered segment."""

    def __init__(
        self, docs: Mapping[str, Doc], style: Style, count: Count, cache: OutlineCache | None
    ) -> None:
        self.docs, self.style, self.count = docs, style, count
        self.cache = cache
        self.texts: dict[str, str | None] = {}
        self.costs: dict[str, int | None] = {}
        self.problems: dict[str, str] = {}

    def cost(self, path: str) -> int | None:
        if path not in self.costs:
            text = self.text(path)
            self.costs[path] = (
                None
                if text is None
                else self.count([doc_segment("outlines", Doc(path, text), self.style)])[0]
            )
        return self.costs[path]

    def text(self, path: str) -> str | None:
        if path not in self.texts:
            doc = self.docs[path]
            made = (
                self.cache.outline(path, doc.text)
                if self.cache is not None
                else outline(path, doc.text)
            )
            self.texts[path] = made.text
            if made.problem:
                self.problems[path] = made.problem
        return self.texts[path]

    def doc(self, path: str) -> Doc:
        text = self.text(path)
        assert text is not None
        return Doc(path, text)

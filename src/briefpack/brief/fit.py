"""Fitting a brief to its budget by the ladder: files step down from full text to their outline,
then to their path in the tree, from the lowest rank up, until the exact count fits.

The plan is made on counts (select/ladder.py); every round is rendered and counted exactly, so
the total reported is always the count of the text emitted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from briefpack.brief.parts import Brief, Doc, ReadTexts, Segment, Unread
from briefpack.brief.render import Style, doc_segment, is_command_output, render
from briefpack.errors import OverBudgetError
from briefpack.select.ladder import Level, PinTooLarge, Plan, arrange, demote, plan
from briefpack.select.outline import outline
from briefpack.select.profile import OutlineCache
from briefpack.tokens.progress import RUN, SILENT, Progress

ROUNDS = 12  # exact re-counts before giving up (each demotes at least one more file)
CHARS_PER_TOKEN = 3  # code runs ~3.5-4 characters a token: this over-estimates, on purpose
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
    detail: int = 2  # the tree's detail (tree.DETAIL)
    context_down: bool = False  # notes and schema were stepped down too


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
    progress: Progress = SILENT,
    read: ReadTexts | None = None,
) -> Fitted:
    """`brief` (over budget) with its code files on the ladder. `full`: each file's tokens in
    full text; `order`: the files, best-ranked first; `count`: exact counts of segments;
    `scores`: relevance (see ladder.plan); `outlines`: where outlines are cached; `progress`:
    told of the outlines made, then of the fitting; `read`: the texts of unread files
    (parts.Unread) that go in in full, or whose outline is not cached."""
    job = _Job(
        brief, full, order, budget, style, count, pinned, scores or {}, outlines, progress, read
    )
    fitted: Fitted | None = None
    for detail in (2, 1, 0):  # a tree listing less, while it would crowd the budget
        try:
            fitted = job.at(detail)
        except OverBudgetError:
            if detail == 0 and fitted is None:
                raise  # not even the smallest tree leaves room
            continue
        tree = sum(
            n for s, n in zip(fitted.segments, fitted.counts, strict=True) if s.section == "tree"
        )
        if tree <= TREE_SHARE * budget:
            break
    assert fitted is not None
    problems = job.outlines.problems
    said = [
        f"{p}: {problems[p]}; path only"
        for p in job.docs
        if p in problems and fitted.levels.get(p) == "path"
    ]
    if job.stepped_down:
        fitted = replace(fitted, context_down=True)
        levels = Counter(job.stepped_down.values())
        said.append(
            "the notes and schema alone are over the budget: "
            + ", ".join(f"{n} stepped down to {level}" for level, n in sorted(levels.items()))
        )
    return replace(fitted, notices=tuple(said))


def refit(
    brief: Brief,
    full: Mapping[str, int],
    order: Sequence[str],
    levels: Mapping[str, Level],
    *,
    detail: int,
    budget: int,
    style: Style,
    count: Count,
    outlines: OutlineCache | None = None,
    progress: Progress = SILENT,
    read: ReadTexts | None = None,
) -> Fitted | None:
    """`brief` at levels found before (a remembered fit), or None if it no longer fits."""
    job = _Job(brief, full, order, budget, style, count, frozenset(), {}, outlines, progress, read)
    progress.start("outlining")
    if any(lv == "outline" and job.outlines.text(p) is None for p, lv in levels.items()):
        return None
    job.outlines.flush()
    progress.start("fitting")
    fitted = job.rendered(replace(brief, tree_detail=detail), Plan(dict(levels), tuple(order)))
    return fitted if sum(fitted.counts) <= budget else None


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
    progress: Progress
    read: ReadTexts | None = None

    def __post_init__(self) -> None:
        self.docs = {d.path: d for d in self.brief.files}
        self.loaded: dict[str, Doc] = {}  # unread files read so far
        self.outlines = _Outlines(
            self.docs, self.style, self.cache, self.progress, lambda p: self.texts([p])[0]
        )
        self.stepped_down: dict[str, str] = {}  # notes and schema not in full, and their level

    def texts(self, paths: Sequence[str]) -> list[Doc]:
        """The files of `paths` with their texts: unread ones are read (once, together)."""
        lacking = [p for p in paths if isinstance(self.docs[p], Unread) and p not in self.loaded]
        if lacking:
            assert self.read is not None, "unread files come with a way to read them"
            self.loaded |= self.read(lacking)
        return [d if isinstance(d := self.docs[p], Doc) else self.loaded[p] for p in paths]

    def at(self, detail: int) -> Fitted:
        """The brief fitted with the tree at this detail: planned, then stepped down until the
        exact count fits."""
        self.progress.start("outlining")  # the plan makes them as it asks what they cost
        self.outlines.progress = self.progress
        brief = replace(self.brief, tree_detail=detail)
        self.stepped_down = {}
        base = self.base(brief)
        for step in ("outline", "path"):  # notes and schema alone overflow: they step down too
            if base <= self.budget:
                break
            brief = self.context_down(brief, step)
            base = self.base(brief)
        if base > self.budget:
            raise OverBudgetError(
                f"even with every file by path only the brief is {base:,} tokens, over the"
                f" budget of {self.budget:,}",
                hint="shorten the goal, warnings, about file or schema commands, or raise --budget",
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
        self.outlines.flush()
        self.progress.start("fitting")
        self.outlines.progress = SILENT  # the few outlines a round adds are no stage's files
        room = self.budget - base
        for attempt in range(ROUNDS):
            fitted = self.rendered(brief, current)
            over = sum(fitted.counts) - self.budget
            if over <= 0:
                return fitted
            if attempt == 0:  # the tree grew more than planned for: plan again with less room,
                # so the levels move smoothly with the sizes (no burst of outlines demoted)
                room -= over
                current = plan(self.order, self.full, cost, room, self.pinned, self.scores)
                continue
            lower = demote(current, over, self.full, cost, self.pinned)
            if lower is None:
                break
            current = lower
        raise OverBudgetError(  # not reached in practice: every round frees what it was short
            f"the brief did not fit the budget of {self.budget:,} tokens", hint="raise --budget"
        )

    def base(self, brief: Brief) -> int:
        """The tokens of `brief` with every code file by path only."""
        bare = replace(brief, files=(), path_only={**(brief.path_only or {}), **self.full})
        return sum(self.count(render(bare, self.style)))

    def context_down(self, brief: Brief, step: Level) -> Brief:
        """`brief` with its notes and schema files at `step` (an outline where they have one,
        else the path): what they alone cannot fit. A live schema dump stays whole."""
        source = self.brief  # as it came: a second step starts from the notes in full again
        moved = [d for d in (*source.notes, *source.schema) if not is_command_output(d.path)]
        made = {
            d.path: (outline(d.path, d.text).text if step == "outline" else None) for d in moved
        }
        tokens = {d.path: self.count([doc_segment("notes", d, self.style)])[0] for d in moved}
        self.stepped_down = {p: ("outline" if made[p] else "path") for p in made}
        kept = set(made)
        return replace(
            brief,
            notes=tuple(d for d in source.notes if d.path not in kept),
            schema=tuple(d for d in source.schema if d.path not in kept),
            outlines=tuple(Doc(p, t) for p, t in made.items() if t),
            path_only={p: tokens[p] for p, t in made.items() if not t},
        )

    def rendered(self, brief: Brief, current: Plan) -> Fitted:
        """The brief at the plan's levels, rendered and counted."""
        levels, docs = current.levels, self.docs
        ranks = {p: i for i, p in enumerate(current.order, start=1)}
        in_full = [p for p in docs if levels.get(p, "full") == "full"]
        shown = replace(
            brief,
            files=tuple(self.texts(arrange(in_full, ranks))),
            outlines=(
                *brief.outlines,
                *(self.outlines.doc(p) for p in docs if levels.get(p) == "outline"),
            ),
            path_only={
                **(brief.path_only or {}),
                **{p: self.full[p] for p in docs if levels.get(p) == "path"},
            },
        )
        segments = render(shown, self.style)
        counts = self.count(segments)
        return Fitted(shown, segments, counts, dict(levels), detail=brief.tree_detail)


class _Outlines:
    """Outlines made when first asked for (or taken from the cache), with about what their
    rendered segment costs."""

    def __init__(
        self,
        docs: Mapping[str, Doc | Unread],
        style: Style,
        cache: OutlineCache | None,
        progress: Progress,
        text_of: Callable[[str], Doc],
    ) -> None:
        self.docs, self.style = docs, style
        self.cache, self.text_of = cache, text_of
        self.progress = progress
        self.told = 0  # outlines made that `progress` has not heard of yet
        self.texts: dict[str, str | None] = {}
        self.costs: dict[str, int | None] = {}
        self.problems: dict[str, str] = {}

    def cost(self, path: str) -> int | None:
        """About what the outline's segment costs, for planning (an estimate: counting each
        one alone took ~1.5 s on Django's first build; what is emitted is counted exactly)."""
        if path not in self.costs:
            text = self.text(path)
            self.costs[path] = (
                None
                if text is None
                else len(doc_segment("outlines", Doc(path, text), self.style).text)
                // CHARS_PER_TOKEN
                + 1
            )
        return self.costs[path]

    def text(self, path: str) -> str | None:
        if path not in self.texts:
            doc = self.docs[path]
            made = (
                self.cache.held(path, doc.digest)
                if isinstance(doc, Unread) and self.cache
                else None
            )
            if made is None:
                text = self.text_of(path).text
                made = self.cache.outline(path, text) if self.cache else outline(path, text)
            self.texts[path] = made.text
            if made.problem:
                self.problems[path] = made.problem
            self.told += 1
            if self.told == RUN:
                self.flush()
        return self.texts[path]

    def flush(self) -> None:
        """Tell `progress` of the outlines made since it last heard."""
        self.progress.advance(self.told)
        self.told = 0

    def doc(self, path: str) -> Doc:
        text = self.text(path)
        assert text is not None
        return Doc(path, text)

"""Fitting a brief to its budget by the ladder: files step down from full text to their outline,
then to their path in the tree, from the lowest rank up, until the exact count fits.

The plan is made on estimates (select/ladder.py, tokens/estimate.py), on the high side; every
round is rendered and only what it emits is counted, exactly, so the total reported is always
the count of the text emitted. A plan the estimates left short grows, keeping what it carried in
full (an unchanged file a snapshot's memo left unread is read only if it goes in in full: a plan
that only grows reads no file it then steps down).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from briefpack.brief.outlines import Outlines
from briefpack.brief.parts import Brief, Doc, ReadTexts, Segment, Unread
from briefpack.brief.render import Style, doc_segment, is_command_output, render
from briefpack.errors import OverBudgetError
from briefpack.select.ladder import Level, PinTooLarge, Plan, arrange, demote, plan, spent
from briefpack.select.outline import outline
from briefpack.select.profile import OutlineCache
from briefpack.tokens.estimate import HIGH
from briefpack.tokens.progress import SILENT, Progress

ROUNDS = 12  # exact re-counts before giving up (each demotes at least one more file)
GROWS = 4  # rounds that may grow a plan left short by its estimates (they run high)
UNDER = 0.02  # of the budget: left unused, worth growing the plan for
TREE_SHARE = 0.08  # the tree lists less (tree.DETAIL) while it takes more of the budget
Count = Callable[[Sequence[Segment]], list[int]]
Told = Callable[[Sequence[Segment], Progress], list[int]]  # a count told to a progress display


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
    told: Told | None = None,
) -> Fitted:
    """`brief` (over budget) with its code files on the ladder. `full`: each file's tokens in
    full text, estimated (what goes in is counted); `order`: the files, best-ranked first;
    `count`: exact counts of segments; `scores`: relevance (see ladder.plan); `outlines`: where
    outlines are cached; `progress`: told of the outlines made, then of the fitting; `read`:
    the texts of unread files (parts.Unread) that go in in full, or whose outline is not
    cached; `told`: `count`, telling `progress` (the first count of what was chosen)."""
    job = _Job(
        brief,
        full,
        order,
        budget,
        style,
        count,
        pinned,
        scores or {},
        outlines,
        progress,
        read,
        told,
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
    told: Told | None = None,
) -> Fitted | None:
    """`brief` at levels found before (a remembered fit), or None if it no longer fits."""
    job = _Job(
        brief, full, order, budget, style, count, frozenset(), {}, outlines, progress, read, told
    )
    progress.start("outlining")
    if any(lv == "outline" and job.outlines.text(p) is None for p, lv in levels.items()):
        return None
    job.outlines.flush()
    fitted = job.rendered(
        replace(brief, tree_detail=detail), Plan(dict(levels), tuple(order)), told=True
    )
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
    told: Told | None = None  # `count`, telling `progress`: the first count of what was chosen

    def __post_init__(self) -> None:
        self.docs = {d.path: d for d in self.brief.files}
        self.loaded: dict[str, Doc] = {}  # unread files read so far
        self.outlines = Outlines(
            self.docs, self.style, self.cache, self.progress, lambda p: self.texts([p])[0]
        )
        self.stepped_down: dict[str, str] = {}  # notes and schema not in full, and their level
        # what the plan goes by: estimates on the high side (a plan short of its room grows,
        # reading only what it adds; one over would read files it then steps down), then each
        # file's count once it is rendered in full, and a pinned file's from the start
        self.sizes = {p: math.ceil(n * HIGH) for p, n in self.full.items()}
        pins = self.texts(sorted(p for p in self.pinned if p in self.docs))
        counted = self.count([doc_segment("files", d, self.style) for d in pins])
        self.sizes |= {d.path: n for d, n in zip(pins, counted, strict=True)}

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
        try:
            current = plan(
                self.order,
                self.sizes,
                self.outlines.cost,
                self.budget - base,
                self.pinned,
                self.scores,
            )
        except PinTooLarge as pin:
            raise OverBudgetError(
                f"pinned file {pin.path} (about {pin.tokens:,} tokens) cannot fit in full text"
                f" ({pin.room:,} tokens of room)",
                hint="unpin it (priority, --full), or raise --budget",
            ) from None
        self.outlines.flush()
        self.outlines.progress = SILENT  # the few outlines a round adds are no stage's files
        for attempt in range(ROUNDS):
            fitted = self.rendered(brief, current, told=attempt == 0)  # counting, told once
            self.progress.start("fitting")
            over = sum(fitted.counts) - self.budget
            if over <= 0 and attempt < GROWS and -over > UNDER * self.budget:
                # room left (the estimates run high): grow the plan, keeping what it carries
                # in full, with what that counted exactly and the room corrected by what the
                # rest missed (outlines, the tree)
                kept = frozenset(p for p, level in current.levels.items() if level == "full")
                room = self.budget - base - self.missed(fitted, current, base)
                grown = self.replan(room, kept)
                if grown is not None and grown.levels != current.levels:
                    current = grown
                    continue
            if over <= 0:
                return fitted
            self.learn(fitted)
            lower = demote(current, over, self.sizes, self.outlines.cost, self.pinned)
            if lower is None:
                break
            current = lower
        raise OverBudgetError(  # not reached in practice: every round frees what it was short
            f"the brief did not fit the budget of {self.budget:,} tokens", hint="raise --budget"
        )

    def learn(self, fitted: Fitted) -> None:
        """Plan on the exact count of each file `fitted` carries in full from now on."""
        for segment, n in zip(fitted.segments, fitted.counts, strict=True):
            if segment.section == "files" and segment.path in self.sizes:
                self.sizes[segment.path] = n

    def missed(self, fitted: Fitted, current: Plan, base: int) -> int:
        """What the plan's figures, corrected by `learn`, still missed the count of `fitted` by
        (outlines, the tree), over the `base` of every file by path only."""
        self.learn(fitted)
        return sum(fitted.counts) - base - spent(current, self.sizes, self.outlines.cost)

    def replan(self, room: int, kept: frozenset[str]) -> Plan | None:
        """A plan for `room` keeping `kept` in full, or None when the pinned files alone do not
        fit it."""
        try:
            return plan(
                self.order, self.sizes, self.outlines.cost, room, self.pinned, self.scores, kept
            )
        except PinTooLarge:
            return None

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

    def rendered(self, brief: Brief, current: Plan, *, told: bool = False) -> Fitted:
        """The brief at the plan's levels, rendered and counted (`told`: as a stage of its
        own, told to the progress display: the first count of what the fit chose)."""
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
        counts = self.told(segments, self.progress) if told and self.told else self.count(segments)
        return Fitted(shown, segments, counts, dict(levels), detail=brief.tree_detail)

"""The brief checker: what practitioners learned about briefing reasoning models, as plain rules.

No model call: each rule is a short, explainable test on the brief, with a one-line reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefpack.brief.pipeline import Built

THIN_SHARE = 0.02  # context below 2% of the budget is far less than the model could take,
THIN_FLOOR = 4_000  # but a small project's whole code may be less: below this it is thin

_HOW = re.compile(
    r"\byou are an? (?:expert|senior|world[- ]class|experienced|helpful)\b|\bact as\b"
    r"|\bthink (?:it through )?step[- ]by[- ]step\b|\btake a deep breath\b|\blet'?s think\b"
    r"|\bchain[- ]of[- ]thought\b|\bthink (?:carefully|hard)\b|\breason step\b",
    re.IGNORECASE,
)
_ALSO = re.compile(r"\b(?:and also|as well as|additionally|also write|also add|plus a)\b", re.I)
_LIST_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*+])\s+\S", re.MULTILINE)


@dataclass(frozen=True)
class Finding:
    """One thing to improve in a brief."""

    code: str
    message: str


def check_brief(built: Built) -> list[Finding]:
    """Every rule's finding for this brief, in brief order, but those `skip_checks` turns off."""
    off = set(built.settings.config.skip_checks)
    return [f for f in _findings(built) if f.code not in off]


def _findings(built: Built) -> list[Finding]:
    brief = built.brief
    found: list[Finding] = []
    goal = brief.goal.strip()
    if not goal:
        found.append(Finding("no-goal", "no goal: the model will have to guess what you want"))
    elif _several_outputs(goal):
        found.append(
            Finding("several-outputs", "the goal asks for several outputs; ask for one per brief")
        )
    for part, text in (("goal", goal), ("format", brief.format), *_warnings(brief.warnings)):
        match = _HOW.search(text)
        if match:
            found.append(
                Finding(
                    "how-not-what",
                    f"{part}: '{match.group(0)}' tells a reasoning model how to think; "
                    "say what you want instead",
                )
            )
    if not brief.format.strip():
        found.append(Finding("no-format", "no return format: say what shape the answer takes"))
    if not brief.warnings:
        found.append(
            Finding("no-warnings", "no warnings: add constraints and what makes an answer good")
        )
    context = sum(
        n for s, n in zip(built.segments, built.counts, strict=True) if _in_context(s.section)
    )
    if built.total <= built.budget and context < min(THIN_SHARE * built.budget, THIN_FLOOR):
        found.append(
            Finding(
                "thin-context",
                f"thin context: {context:,} tokens of a {built.budget:,} budget; "
                "reasoning models do better with far more (notes, schema, code)",
            )
        )
    if built.total > built.budget:
        found.append(
            Finding("over-budget", f"over budget: {built.total:,} tokens of {built.budget:,}")
        )
    return found


def _several_outputs(goal: str) -> bool:
    return goal.count("?") >= 2 or len(_LIST_ITEM.findall(goal)) >= 2 or bool(_ALSO.search(goal))


def _warnings(warnings: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f"warning {i}", w) for i, w in enumerate(warnings, 1)]


def _in_context(section: str) -> bool:
    return section not in ("goal", "format", "warnings", "restate")

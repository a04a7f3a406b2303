"""Return-format presets: `-f @NAME` picks a text about the shape of the answer (never how to think)."""

from __future__ import annotations

from collections.abc import Mapping

from briefpack.errors import UsageError

PRESETS: dict[str, str] = {
    "files": (
        "Complete files only, no explanations: every file you add or change, in full, each under "
        "its path, ready to save. Then one line per file saying what changed."
    ),
    "alternatives": (
        "Three distinct approaches. For each: a one-paragraph summary, its pros, its cons, its risks "
        "and what it would cost to build. Then your recommendation, and why it beats the others."
    ),
    "plan": (
        "An ordered plan of small, separately shippable steps. For each step: its goal, the files "
        "it touches, how to verify it, and what could go wrong."
    ),
    "review": (
        "A code review: findings ordered by severity (bug, risk, maintainability, style), each with "
        "its file and line, why it matters, and the concrete fix."
    ),
    "diagnosis": (
        "A differential diagnosis: the plausible causes ranked by likelihood, each with the evidence "
        "for and against it and the quickest test that would confirm or rule it out."
    ),
    "explain": (
        "An explanation for a new team member: what this does, how the parts fit together, the "
        "non-obvious decisions and why they were made, and where to start reading."
    ),
}


def all_presets(extra: Mapping[str, str]) -> dict[str, str]:
    """Built-in presets with the user's `[presets]` over them."""
    return {**PRESETS, **extra}


def resolve_format(value: str, extra: Mapping[str, str]) -> str:
    """`@name` as its preset text; any other format as written."""
    if not value.startswith("@"):
        return value
    known = all_presets(extra)
    name = value[1:]
    if name not in known:
        raise UsageError(
            f"unknown return-format preset '@{name}'",
            hint="known presets: " + ", ".join(f"@{n}" for n in sorted(known)),
        )
    return known[name]

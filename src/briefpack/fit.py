"""Fitting a brief to its budget: which code files to leave out, in which order (pure).

Only code files are ever left out; goal, format, warnings, about, tried, notes and schema stay.
Files matching a `priority` glob are kept longest (the first glob longest of all); among files of
the same rank the largest goes first, so many small files survive rather than one large one.
"""

from __future__ import annotations

from collections.abc import Sequence

import pathspec


def drop_order(files: Sequence[tuple[str, int]], priority: Sequence[str]) -> list[str]:
    """Paths in the order they are left out: lowest priority first, largest first within a rank."""
    specs = [pathspec.GitIgnoreSpec.from_lines([glob]) for glob in priority]

    def rank(path: str) -> int:
        for index, spec in enumerate(specs):
            if spec.match_file(path):
                return len(specs) - index  # the first glob ranks highest
        return 0

    ordered = sorted(files, key=lambda item: (rank(item[0]), -item[1], item[0]))
    return [path for path, _ in ordered]


def next_drops(order: Sequence[str], tokens: dict[str, int], excess: int) -> list[str]:
    """The fewest next paths in `order` whose tokens cover `excess` (all of them if none do)."""
    taken: list[str] = []
    covered = 0
    for path in order:
        if covered >= excess:
            break
        taken.append(path)
        covered += tokens[path]
    return taken

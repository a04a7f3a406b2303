"""The parts of a brief, before and after rendering: docs (named texts), the brief itself, and
the segments it renders to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Doc:
    """A named text carried into the context (a file, a note, a schema dump)."""

    path: str
    text: str


@dataclass(frozen=True)
class Brief:
    """Everything a brief says, before rendering."""

    goal: str = ""
    format: str = ""
    warnings: tuple[str, ...] = ()
    about: Doc | None = None
    tried: str = ""
    notes: tuple[Doc, ...] = ()
    schema: tuple[Doc, ...] = ()
    files: tuple[Doc, ...] = ()
    outlines: tuple[Doc, ...] = ()  # files stepped down to their outline, for space
    path_only: Mapping[str, int] | None = None  # files in the tree only: path -> full tokens
    tree_detail: int = 2  # how much of what is path-only the tree lists (tree.DETAIL)
    changes: tuple[Doc, ...] = ()  # `--diff` and `--log N`: what changed recently
    changed: frozenset[str] = frozenset()  # the paths `--diff` touches (a ranking signal)
    restate: bool = False  # repeat goal and return format after the context


@dataclass(frozen=True)
class Segment:
    """One piece of the rendered brief: which section it belongs to, and the file it carries."""

    section: str
    text: str
    path: str | None = None
    tokens: int | None = None  # its count when known already: taken from the last snapshot


@dataclass(frozen=True)
class Prior:
    """A doc's segment as the last snapshot rendered it (see memo.py): used as is when the doc
    has the same text in the same section. In Markdown it ends with the blank line that
    separates it from the next segment, and `tokens` counts that too."""

    section: str
    doc_text: str
    text: str
    tokens: int

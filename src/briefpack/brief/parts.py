"""The parts of a brief, before and after rendering: docs (named texts), the brief itself, and
the segments it renders to."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar, dataclass_transform

if TYPE_CHECKING:  # `--help` loads the parts, and need not load the scanner
    from briefpack.secrets.scan import Finding


SLACK = 16  # tokens: what counting one segment with or without its blank line may differ by

T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def made_per_file(cls: type[T]) -> type[T]:
    """A value made for each file of every build (a doc, a segment, a file read or not): frozen to the
    type checker, which refuses any assignment to a field, and at run time a slotted dataclass
    hashed by its fields. A frozen dataclass sets each field through object.__setattr__, four
    times as slow to make: a warm build of 100,000 files spent 0.4 s making 400,000 of them."""
    return dataclass(slots=True, unsafe_hash=True)(cls)


@made_per_file
class Doc:
    """A named text carried into the context (a file, a note, a schema dump)."""

    path: str
    text: str


@made_per_file
class Unread:
    """A code file a snapshot (or a fitted build) takes unchanged from the last one without
    reading it (memo.py, worktree.py): what that one learned of its text, enough to rank it
    (its profile, by digest) and to place it by outline (by digest) or by path. Only `choose`
    reads its text, if it goes in in full; `render` cannot render one."""

    path: str
    digest: str  # of its text as scanned and redacted (tokens.count.digest)
    tokens: int  # its segment's tokens in full text, estimated (tokens/estimate.py)
    note: str = ""  # what reading it said (`not UTF-8: decoded as cp1252`)
    findings: tuple[Finding, ...] = ()  # the secrets found in it (redacted in its text)


ReadTexts = Callable[[Sequence[str]], dict[str, Doc]]  # unread files' texts, read and guarded


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
    files: tuple[Doc | Unread, ...] = ()  # code files (Unread: a memo's, until chosen)
    outlines: tuple[Doc, ...] = ()  # files stepped down to their outline, for space
    path_only: Mapping[str, int] | None = None  # files in the tree only: path -> about its tokens
    tree_detail: int = 2  # how much of what is path-only the tree lists (tree.DETAIL)
    changes: tuple[Doc, ...] = ()  # `--diff` and `--log N`: what changed recently
    changed: frozenset[str] = frozenset()  # the paths `--diff` touches (a ranking signal)
    restate: bool = False  # repeat goal and return format after the context


@made_per_file
class Segment:
    """One piece of the rendered brief: which section it belongs to, and the file it carries."""

    section: str
    text: str
    path: str | None = None
    tokens: int | None = None  # its count when known already: taken from the last snapshot


@made_per_file
class Prior:
    """A doc's segment as the last snapshot rendered it (see memo.py): used as is when the doc
    has the same text in the same section. In Markdown it ends with the blank line that
    separates it from the next segment, and `tokens` counts that too."""

    section: str
    doc_text: str
    text: str
    tokens: int

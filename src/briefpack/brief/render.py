"""The brief rendered as Markdown or XML-tagged text (its parts are in parts.py).

A rendered brief is a sequence of segments. Every segment ends with a newline and starts with
`#` or `<`; tiktoken's pre-tokenizers never join text across such a boundary, so the token count
of the whole brief is exactly the sum of its segments' counts (tests/test_tokens.py proves it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from briefpack.brief.langs import language
from briefpack.brief.parts import Brief, Doc, Prior, Segment, Unread
from briefpack.brief.tree import tree as draw_tree

Style = Literal["markdown", "xml"]


COMMAND_PREFIX = "$ "  # a Doc named `$ sqlite3 app.db .schema` is a command's output, not a file


def is_command_output(path: str) -> bool:
    """Whether a Doc's name is a command line (a live schema dump) rather than a file path."""
    return path.startswith(COMMAND_PREFIX)


def render(
    brief: Brief, style: Style, prior: Mapping[str, Prior] | None = None
) -> tuple[Segment, ...]:
    """The brief as segments, in order: goal, return format, warnings, then the context.
    `prior`: path -> the doc's segment in the last snapshot, reused when still the same."""
    reuse = _Reuse(prior or {})
    if style == "xml":
        return tuple(_render_xml(brief, reuse))
    return tuple(_separated(_render_markdown(brief, reuse)))


@dataclass(frozen=True)
class _Reuse:
    prior: Mapping[str, Prior]

    def get(self, section: str, doc: Doc) -> Segment | None:
        found = self.prior.get(doc.path)
        if found is None or found.section != section or found.doc_text != doc.text:
            return None
        return Segment(section, found.text, doc.path, found.tokens)


def _separated(parts: list[Segment]) -> list[Segment]:
    """A blank line after every Markdown segment but the last. A reused one has it already."""
    out = [
        s if s.tokens is not None else Segment(s.section, s.text + "\n", s.path) for s in parts[:-1]
    ]
    last = parts[-1]
    if last.tokens is not None:  # was followed by another segment last time, now is not
        last = Segment(last.section, last.text[:-1], last.path)
    return [*out, last]


def _texts(files: Sequence[Doc | Unread]) -> list[Doc]:
    """The code files, each with its text: an unread one must be read or placed first."""
    docs = [d for d in files if isinstance(d, Doc)]
    if len(docs) != len(files):
        raise ValueError("an unread file cannot be rendered (choose reads or places it)")
    return docs


def text_of(segments: Sequence[Segment]) -> str:
    """The emitted text."""
    return "".join(s.text for s in segments)


def _tree_paths(brief: Brief) -> list[str]:
    """The files the tree shows: every doc that is a file (not a `$ command` dump)."""
    docs = (*brief.notes, *brief.schema, *brief.outlines, *brief.files)
    # a note of the config's folder outside a briefed subfolder (`../notes/a.md`) is no part
    # of this folder's tree
    return [d.path for d in docs if not is_command_output(d.path) and not d.path.startswith("../")]


def tree(paths: Sequence[str], path_only: Mapping[str, int] | None = None, detail: int = 2) -> str:
    """A `tree`-style drawing of `paths`, and of `path_only` files (collapsed where they are
    all a folder holds; see tree.py)."""
    return draw_tree(paths, path_only, display_path, detail)


def display_path(path: str) -> str:
    """`path` printable on one line: control characters and undecodable bytes escaped."""
    if path.isascii() and path.isprintable():
        return path  # most are, and the tree shows every path
    raw = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return raw.translate(_CONTROL)


_CONTROL = {i: f"\\x{i:02x}" for i in range(32)} | {10: "\\n", 13: "\\r", 9: "\\t", 127: "\\x7f"}

# --- Markdown ---------------------------------------------------------------------------------


def _render_markdown(brief: Brief, reuse: _Reuse) -> list[Segment]:
    out: list[Segment] = []
    if brief.goal.strip():
        out.append(Segment("goal", f"# Goal\n\n{_prose(brief.goal)}"))
    if brief.format.strip():
        out.append(Segment("format", f"# Return format\n\n{_prose(brief.format)}"))
    if brief.warnings:
        out.append(Segment("warnings", "# Warnings\n\n" + _bullets(brief.warnings)))
    out.append(Segment("context", "# Context\n"))
    if brief.about is not None:
        title = f"## About the project ({display_path(brief.about.path)})"
        out.append(reuse.get("about", brief.about) or _md_doc("about", brief.about, title))
    if brief.tried.strip():
        out.append(Segment("tried", f"## What was tried\n\n{_prose(brief.tried)}"))
    _md_group(out, "notes", "## Notes\n", brief.notes, reuse)
    _md_group(out, "schema", "## Schema\n", brief.schema, reuse)
    _md_group(out, "changes", "## What changed recently\n", brief.changes, reuse)
    every = _tree_paths(brief)
    if every or brief.path_only:
        drawn = tree(every, brief.path_only, brief.tree_detail)
        out.append(Segment("tree", "## Directory tree\n\n" + _fenced(drawn, "text")))
    _md_group(out, "outlines", OUTLINES_HEADING, brief.outlines, reuse)
    _md_group(out, "files", "## Files\n", _texts(brief.files), reuse)
    if brief.restate and (brief.goal.strip() or brief.format.strip()):
        out.append(Segment("restate", "# Reminder\n\n" + _reminder(brief)))
    return out


OUTLINES_HEADING = "## Outlines (signatures only: the full text is left out for space)\n"


def doc_segment(section: str, doc: Doc, style: Style) -> Segment:
    """One doc's segment as `render` makes it inside a group (in Markdown, with the blank line
    that follows it): for what a doc will cost, without rendering a whole brief."""
    if style == "xml":
        return _xml_doc(section, section.rstrip("s"), doc)
    made = _md_doc(section, doc, f"### {display_path(doc.path)}")
    return Segment(section, made.text + "\n", doc.path)


def _md_group(
    out: list[Segment], section: str, heading: str, docs: Sequence[Doc], reuse: _Reuse
) -> None:
    if docs:
        out.append(Segment(section, heading))
        out.extend(
            reuse.get(section, doc) or _md_doc(section, doc, f"### {display_path(doc.path)}")
            for doc in docs
        )


def _md_doc(section: str, doc: Doc, title: str) -> Segment:
    return Segment(section, f"{title}\n\n{_fenced(doc.text, language(doc.path))}", doc.path)


_BACKTICKS = re.compile(r"``+")


def _fenced(text: str, lang: str) -> str:
    """`text` in a backtick fence longer than any backtick run inside it, so it cannot close early."""
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0) if "``" in text else 0
    fence = "`" * max(3, longest + 1)
    newline = "" if text.endswith("\n") or not text else "\n"
    return f"{fence}{lang}\n{text}{newline}{fence}\n"


def _prose(text: str) -> str:
    return text.strip() + "\n"


def _bullets(items: Sequence[str]) -> str:
    return "".join("- " + item.strip().replace("\n", "\n  ") + "\n" for item in items)


# --- XML --------------------------------------------------------------------------------------

_TAGS = (
    "goal",
    "return_format",
    "warnings",
    "context",
    "about",
    "tried",
    "notes",
    "note",
    "schema",
    "tree",
    "files",
    "file",
    "outlines",
    "outline",
    "changes",
    "change",
    "reminder",
)
_CLOSING = re.compile(r"</\s*(?:" + "|".join(_TAGS) + r")\s*>|<!\[CDATA\[|\]\]>", re.IGNORECASE)


def _render_xml(brief: Brief, reuse: _Reuse) -> list[Segment]:
    out: list[Segment] = []
    if brief.goal.strip():
        out.append(Segment("goal", _element("goal", brief.goal.strip())))
    if brief.format.strip():
        out.append(Segment("format", _element("return_format", brief.format.strip())))
    if brief.warnings:
        out.append(Segment("warnings", _element("warnings", _bullets(brief.warnings))))
    out.append(Segment("context", "<context>\n"))
    if brief.about is not None:
        out.append(reuse.get("about", brief.about) or _xml_doc("about", "about", brief.about))
    if brief.tried.strip():
        out.append(Segment("tried", _element("tried", brief.tried.strip())))
    _xml_group(out, "notes", "note", brief.notes, reuse)
    _xml_group(out, "schema", "file", brief.schema, reuse)
    _xml_group(out, "changes", "change", brief.changes, reuse)
    every = _tree_paths(brief)
    if every or brief.path_only:
        drawn = tree(every, brief.path_only, brief.tree_detail)
        out.append(Segment("tree", _element("tree", drawn)))
    _xml_group(out, "outlines", "outline", brief.outlines, reuse)
    _xml_group(out, "files", "file", _texts(brief.files), reuse)
    out.append(Segment("context", "</context>\n"))
    if brief.restate and (brief.goal.strip() or brief.format.strip()):
        out.append(Segment("restate", _element("reminder", _reminder(brief).strip())))
    return out


def _reminder(brief: Brief) -> str:
    """Two lines after the context: the goal and the return format again."""
    lines = [f"Goal: {' '.join(brief.goal.split())}"] if brief.goal.strip() else []
    if brief.format.strip():
        lines.append(f"Return format: {' '.join(brief.format.split())}")
    return "\n".join(lines) + "\n"


def _xml_group(
    out: list[Segment], section: str, tag: str, docs: Sequence[Doc], reuse: _Reuse
) -> None:
    if docs:
        out.append(Segment(section, f"<{section}>\n"))
        out.extend(reuse.get(section, doc) or _xml_doc(section, tag, doc) for doc in docs)
        out.append(Segment(section, f"</{section}>\n"))


def _xml_doc(section: str, tag: str, doc: Doc) -> Segment:
    attrs = f' path="{_attr(display_path(doc.path))}"'
    lang = language(doc.path)
    if lang and tag in ("file", "outline"):
        attrs += f' language="{lang}"'
    return Segment(section, _element(tag, doc.text, attrs), doc.path)


def _element(tag: str, text: str, attrs: str = "") -> str:
    """`<tag attrs>` text `</tag>`, the text verbatim, or in CDATA when it holds one of our tags."""
    body = _cdata(text) if _CLOSING.search(text) else text
    newline = "" if body.endswith("\n") or not body else "\n"
    return f"<{tag}{attrs}>\n{body}{newline}</{tag}>\n"


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )

"""Outlines: a file cut down to what another file sees of it. Imports, classes and functions
with their signatures and the first line of their docstrings, and top-level constants, in file
order. Python goes through `ast`; JavaScript, TypeScript, Go, Rust, Java, C, C++ and Ruby through
tree-sitter (select/treesit.py); Markdown and reStructuredText give their headings; other code
gives its definition lines. A file whose outline would say nothing, or that cannot be parsed
(and says why), has none, and steps from full text straight to its path.
"""

from __future__ import annotations

import ast
import re
import warnings
from typing import NamedTuple

from briefpack.select.treesit import Unparsable, outline_lines

_MAX_CONSTANT = 80  # a constant's line longer than this is cut: the outline names it, no more


class Outline(NamedTuple):
    """An outline's text (None: the file has none), and why not when a parser failed."""

    text: str | None
    problem: str = ""


def outline(path: str, text: str) -> Outline:
    """The outline of `text` (a file named `path`)."""
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    if ext in ("py", "pyi"):
        try:
            lines = _python(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            reason = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
            return Outline(None, f"no outline: Python cannot parse it ({reason})")
    elif ext in ("md", "markdown", "rst", "adoc", "txt"):
        lines = _headings(text, rst=ext == "rst")
    else:
        try:
            found = outline_lines(path, text)
        except Unparsable:
            return Outline(None, "no outline: tree-sitter cannot parse it")
        except RecursionError:
            return Outline(None, "no outline: nested too deep")
        lines = found if found is not None else _definition_lines(text)
    return Outline("\n".join(lines) + "\n" if lines else None)


def _python(text: str) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes in old code
        tree = ast.parse(text)
    out: list[str] = []
    _python_body(tree.body, "", out, text.splitlines())
    return out


def _python_body(body: list[ast.stmt], indent: str, out: list[str], lines: list[str]) -> None:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom) and not indent:
            out.append(_source_line(node, lines))
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            out.extend(indent + line for line in _decorators(node, lines))
            out.append(indent + _signature(node, lines))
            doc = (ast.get_docstring(node, clean=True) or "").strip()
            if doc:  # a blank docstring (only its indentation) says nothing
                out.append(f'{indent}    """{doc.splitlines()[0]}"""')
            if isinstance(node, ast.ClassDef):
                _python_body(node.body, indent + "    ", out, lines)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and _is_constant(node):
            line = _source_line(node, lines)
            out.append(
                indent + (line if len(line) <= _MAX_CONSTANT else line[:_MAX_CONSTANT] + " …")
            )


def _decorators(
    node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]
) -> list[str]:
    return ["@" + _first(d, lines) for d in node.decorator_list]


def _first(node: ast.expr, lines: list[str]) -> str:
    line = lines[node.lineno - 1] if 0 < node.lineno <= len(lines) else ""
    return line[node.col_offset :].rstrip()


def _signature(
    node: ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]
) -> str:
    """The header as written, from `def`/`class` to its colon, on one line."""
    start = node.lineno - 1
    body_line = node.body[0].lineno - 1 if node.body else start
    header = " ".join(line.strip() for line in lines[start : max(start + 1, body_line)])
    head, colon, _rest = _until_colon(header)
    return (head + colon) if colon else header.strip()


def _until_colon(header: str) -> tuple[str, str, str]:
    """Split a header at the colon that ends it (brackets balanced, strings skipped)."""
    depth, quote = 0, ""
    for i, ch in enumerate(header):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == ":" and depth == 0:
            return header[:i], ":", header[i + 1 :]
    return header, "", ""


def _source_line(node: ast.stmt, lines: list[str]) -> str:
    end = getattr(node, "end_lineno", node.lineno) or node.lineno
    return " ".join(line.strip() for line in lines[node.lineno - 1 : end])


def _is_constant(node: ast.Assign | ast.AnnAssign) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(t, ast.Name) and t.id.isupper() for t in targets)


_MD_HEADING = re.compile(r"^#{1,6}[ \t]+\S.*$", re.MULTILINE)
_RST_UNDERLINE = re.compile(r"^(\S.*)\n([=\-~^\"'`#*+]{3,})[ \t]*$", re.MULTILINE)


def _headings(text: str, *, rst: bool) -> list[str]:
    if rst:
        return [m.group(1).strip() for m in _RST_UNDERLINE.finditer(text)]
    return [m.group(0).rstrip() for m in _MD_HEADING.finditer(_without_fences(text))]


def _without_fences(text: str) -> str:
    return re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.MULTILINE | re.DOTALL)


_DEFINITION_LINE = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(?:default[ \t]+)?(?:pub(?:\([a-z]+\))?[ \t]+)?(?:async[ \t]+)?"
    r"(?:abstract[ \t]+)?(?:public[ \t]+|private[ \t]+|protected[ \t]+|static[ \t]+)*"
    r"(?:def|class|function\*?|fn|func|interface|type|enum|struct|trait|impl|module|"
    r"namespace|object|record)[ \t]+[A-Za-z_$][^\n]*$"
    r"|^(?:export[ \t]+)?(?:const|let|var)[ \t]+[A-Za-z_$][\w$]*[ \t]*(?::[^=\n]*)?=[^\n]*$"
    r"|^(?:import|from|use|require|#include|package)\b[^\n]*$",
    re.MULTILINE,
)


def _definition_lines(text: str) -> list[str]:
    out = []
    for match in _DEFINITION_LINE.finditer(text):
        line = match.group(0).rstrip().rstrip("{").rstrip()
        out.append(line if len(line) <= 160 else line[:160] + " …")
    return out

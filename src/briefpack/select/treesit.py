"""Outlines of code by tree-sitter, with the tree-sitter project's per-language grammar wheels
(offline: each wheel carries its compiled grammar). A language whose grammar is not installed
gets None here, and the caller falls back to definition lines.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

# extension -> (grammar module, the function in it that returns the language)
GRAMMARS = {
    "js": ("tree_sitter_javascript", "language"),
    "mjs": ("tree_sitter_javascript", "language"),
    "cjs": ("tree_sitter_javascript", "language"),
    "jsx": ("tree_sitter_javascript", "language"),
    "ts": ("tree_sitter_typescript", "language_typescript"),
    "mts": ("tree_sitter_typescript", "language_typescript"),
    "cts": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rs": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "h": ("tree_sitter_cpp", "language"),  # C++ parses C headers too
    "cc": ("tree_sitter_cpp", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "cxx": ("tree_sitter_cpp", "language"),
    "hpp": ("tree_sitter_cpp", "language"),
    "rb": ("tree_sitter_ruby", "language"),
}


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Nodes that define something: their header (up to the body) goes in the outline.
DEFINITIONS = _names(
    """
    function_declaration generator_function_declaration class_declaration
    abstract_class_declaration interface_declaration type_alias_declaration enum_declaration
    method_definition method_signature abstract_method_signature function_signature
    function_definition class_specifier struct_specifier namespace_definition
    function_item struct_item enum_item trait_item impl_item type_item mod_item const_item
    method_declaration type_declaration constructor_declaration record_declaration
    annotation_type_declaration class module method singleton_method
    """
)
# Definitions whose members are outlined too, and the wrappers between them and their members.
CONTAINERS = _names(
    """
    class_declaration abstract_class_declaration interface_declaration class_specifier
    struct_specifier namespace_definition trait_item impl_item mod_item class module
    record_declaration enum_declaration
    """
)
WRAPPERS = _names(
    """
    class_body interface_body object_type declaration_list field_declaration_list
    body_statement enum_body export_statement template_declaration ambient_declaration
    """
)
IMPORTS = _names(
    "import_statement import_declaration use_declaration preproc_include package_clause"
)
# Top-level variables and constants (JS/TS `const f = (a) => …`, Go `const`/`var` blocks): one
# line per name, a function's value cut at its body, any other value at VALUE_CHARS.
VARIABLES = _names("lexical_declaration variable_declaration const_declaration var_declaration")
DECLARATORS = _names("variable_declarator const_spec var_spec")
FUNCTION_VALUES = _names(
    "arrow_function function_expression function generator_function func_literal"
)
VALUE_CHARS = 60
_SPACE = re.compile(r"\s+")
MAX_LINE = 200


class Unparsable(Exception):
    """tree-sitter found syntax errors: the file is not what its extension says, or broken."""


def outline_lines(path: str, text: str) -> list[str] | None:
    """The outline of a file tree-sitter knows, or None (no grammar for it). Raises
    Unparsable when the parse has errors."""
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    parser = _parser(ext)
    if parser is None:
        return None
    data = text.encode("utf-8", "surrogatepass")
    root = parser.parse(data).root_node
    if root.has_error:
        raise Unparsable(path)
    out: list[str] = []
    _walk(root, data, "", out, top=True)
    return out


def _walk(node: Node, data: bytes, indent: str, out: list[str], *, top: bool) -> None:
    for child in node.named_children:
        kind = child.type
        if top and kind in IMPORTS:
            out.append(_one_line(data[child.start_byte : child.end_byte]))
        elif kind in DEFINITIONS:
            out.append(indent + _header(child, data))
            if kind in CONTAINERS:
                body = child.child_by_field_name("body") or child
                _walk(body, data, indent + "  ", out, top=False)
        elif top and kind in VARIABLES:
            keyword = data[child.start_byte : child.children[0].end_byte].decode("utf-8", "replace")
            out.extend(f"{indent}{keyword} {_declared(d, data)}" for d in _declarators(child))
        elif kind in WRAPPERS:
            _walk(child, data, indent, out, top=top)


def _declarators(node: Node) -> list[Node]:
    found = []
    for child in node.named_children:  # Go's `var ( … )` holds its specs in a list
        inner = child.named_children if child.type.endswith("_spec_list") else [child]
        found += [c for c in inner if c.type in DECLARATORS]
    return found


def _declared(node: Node, data: bytes) -> str:
    """`name: Type = value` of one declarator: a function value up to its body, another value
    cut short (an outline says what a name is, not all it holds)."""
    value = node.child_by_field_name("value")
    if value is None:
        return _one_line(data[node.start_byte : node.end_byte])
    head = _one_line(data[node.start_byte : value.start_byte])
    if value.type == "expression_list" and len(value.named_children) == 1:  # Go: `h = func…`
        value = value.named_children[0]
    if value.type in FUNCTION_VALUES:
        return f"{head} {_header(value, data)}"
    end = min(value.end_byte, value.start_byte + VALUE_CHARS * 4)  # a 5 MB array: its start
    shown = _one_line(data[value.start_byte : end])
    return f"{head} {shown if len(shown) <= VALUE_CHARS else shown[:VALUE_CHARS] + ' …'}"


def _header(node: Node, data: bytes) -> str:
    body = node.child_by_field_name("body")
    end = body.start_byte if body is not None else node.end_byte
    return _one_line(data[node.start_byte : end]).rstrip("{:= ").rstrip()


def _one_line(raw: bytes) -> str:
    line = _SPACE.sub(" ", raw.decode("utf-8", "replace")).strip()
    return line if len(line) <= MAX_LINE else line[:MAX_LINE] + " …"


def has_grammar(ext: str) -> bool:
    """Whether files ending in `ext` are outlined by tree-sitter here (its grammar loads)."""
    return _parser(ext.lower()) is not None


@cache
def _parser(ext: str) -> Parser | None:
    grammar = GRAMMARS.get(ext)
    if grammar is None:
        return None
    try:
        from tree_sitter import Language, Parser

        module: Any = importlib.import_module(grammar[0])
        return Parser(Language(getattr(module, grammar[1])()))
    except (ImportError, AttributeError, ValueError):  # not installed, or an incompatible ABI
        return None

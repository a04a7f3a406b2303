"""The house: every import in src/briefpack points down the stage order, and modules stay small."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "briefpack"
# Each stage may import its own package and those below it; stages on one level not each other.
LEVELS = [("cli",), ("send", "snapshot"), ("brief",), ("select",), ("secrets",), ("tokens",)]
RANK = {stage: i for i, level in enumerate(LEVELS) for stage in level}
BOTTOM = len(LEVELS)  # errors.py, git.py and the package's own __init__ (its `surface` helper)
ENTRY = {"__main__"}  # `python -m briefpack`: starts the CLI or the hook, above every stage
MAX_LINES = 320


def stage_of(module: str) -> str:
    """'briefpack.brief.fit' -> 'brief'; 'briefpack.errors' -> 'errors'; 'briefpack' -> ''."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def rank_of(stage: str) -> int:
    return RANK.get(stage, BOTTOM)


def imported(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every briefpack module named by an import anywhere in the tree (inside functions and
    TYPE_CHECKING blocks too): `from briefpack.x import y` names briefpack.x.y as well, since y
    may be a module."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("briefpack"):
                    yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level:
            yield node.lineno, "relative import"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("briefpack"):
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def violations(module: str, source: str) -> list[str]:
    """What in `source` (the text of `module`) imports from a stage it must not know."""
    own = stage_of(module)
    if own in ENTRY:
        return []
    found = []
    for line, target in imported(ast.parse(source)):
        if target == "relative import":
            found.append(f"{module}:{line}: relative import")
            continue
        stage = stage_of(target)
        if target.split(".")[1:2] == [""] or stage in {own, "__version__", "surface"}:
            continue
        upward = rank_of(stage) < rank_of(own) or (
            rank_of(stage) == rank_of(own) and stage != own and own in RANK
        )
        if stage in ENTRY or upward:
            found.append(
                f"{module}:{line}: imports {target} ({stage} is not below {own or 'the top'})"
            )
    return found


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        yield ".".join(parts), path


def test_every_import_points_down_the_stage_order() -> None:
    found = [v for module, path in modules() for v in violations(module, path.read_text())]
    assert found == []


def test_every_stage_is_a_package_with_a_docstring() -> None:
    for stage in RANK:
        init = SRC / stage / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text())), stage
    flat = sorted(p.stem for p in SRC.glob("*.py"))
    assert flat == ["__init__", "__main__", "errors", "git"]


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        (
            "briefpack.secrets.guard",
            "from briefpack.brief.render import Doc",
            "brief is not below secrets",
        ),
        (
            "briefpack.tokens.count",
            "def f():\n    from briefpack import secrets",
            "secrets is not below",
        ),
        ("briefpack.send.client", "import briefpack.snapshot.take", "snapshot is not below send"),
        ("briefpack.errors", "from briefpack.tokens import store", "tokens is not below errors"),
        ("briefpack.brief.fit", "from .ladder import plan", "relative import"),
        ("briefpack.brief.fit", "from briefpack.select import plan", ""),
        (
            "briefpack.cli.app",
            "from briefpack.send import connect\nfrom briefpack import surface",
            "",
        ),
        ("briefpack.brief.fit", "from briefpack.errors import BriefpackError", ""),
    ],
)
def test_the_checker_finds_an_upward_import(module: str, source: str, expected: str) -> None:
    found = violations(module, source)
    assert (expected in found[0]) if expected else found == [], found


def test_no_module_is_long() -> None:
    long = {m: n for m, p in modules() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_values_made_per_file_are_read_only_to_the_type_checker(tmp_path: Path) -> None:
    """Docs, segments, unread files and read files are slotted dataclasses at run time (parts.made_per_file,
    for speed): mypy still refuses an assignment to any of their fields, as to a frozen one's,
    and they hash by value."""
    import subprocess
    import sys

    from briefpack.brief.parts import Doc

    assert len({Doc("a", "b"), Doc("a", "b")}) == 1
    snippet = tmp_path / "mutate.py"
    snippet.write_text(
        "from briefpack.brief.parts import Doc, Prior, Segment, Unread\n"
        "from briefpack.brief.read import SourceFile\n"
        "Doc('a', 'b').text = 'c'\n"
        "Unread('a', 'd', 1).tokens = 2\n"
        "Segment('s', 't').tokens = 3\n"
        "Prior('s', 'd', 't', 1).text = 'u'\n"
        "SourceFile('a', 'b', 1).size = 2\n"
    )
    cache = str(tmp_path / "cache")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", cache, str(snippet)],
        capture_output=True,
        text=True,
        cwd=SRC.parent.parent,
    )
    assert done.stdout.count("is read-only") == 5, done.stdout

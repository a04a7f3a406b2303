"""The budget: over it, the ladder steps files down, exactly; `--no-fit` stops and shows what to cut."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from briefpack.brief.pipeline import build
from briefpack.cli.report import budget_line
from briefpack.tokens.encodings import load_encoding
from briefpack.tokens.store import cache_dir
from tests.conftest import git, write_tree

CLI = Callable[..., Result]


def words(n: int, seed: str) -> str:
    return "".join(f"{seed}_{i} = {i} * {len(seed)}\n" for i in range(n))


@pytest.fixture
def project(git_repo: Path) -> Path:
    write_tree(
        git_repo,
        {
            ".briefpack.toml": 'about = "ABOUT.md"\nnotes = ["notes/**"]\nschema = ["db.sql"]\n'
            'priority = ["core/**"]\n',
            "ABOUT.md": "# About\n\nA shipping tool.\n",
            "notes/n.md": words(20, "note"),
            "db.sql": "CREATE TABLE t (id INTEGER);\n",
            "core/big.py": words(300, "core"),
            "big.py": words(400, "big"),
            "mid.py": words(150, "mid"),
            "small.py": words(10, "small"),
            "pkg/a.py": words(60, "a"),
        },
    )
    git(git_repo, "add", "-A")
    return git_repo


def tokens_of(text: str) -> int:
    return len(load_encoding("o200k_base").encode_ordinary(text))


def test_no_fit_over_budget_stops_with_the_largest_folders_and_files(
    cli: CLI, project: Path
) -> None:
    result = cli(["build", "--stdout", "-g", "g", "--budget", "2000", "--no-fit"], cwd=project)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "largest folders and files" in result.stderr
    lines = result.stderr.splitlines()
    start = lines.index(next(ln for ln in lines if "largest folders and files" in ln))
    table = "\n".join(lines[start : start + 12])
    assert "core/" in table and "big.py" in table
    assert "over the budget of 2,000" in result.stderr


@pytest.mark.parametrize("style", ["markdown", "xml"])
@pytest.mark.parametrize("budget", [4400, 6000, 8000])
def test_the_ladder_fits_exactly_and_drops_nothing(
    cli: CLI, project: Path, style: str, budget: int
) -> None:
    args = ["-g", "Fix the mid module", "--budget", str(budget), "--style", style]
    result = cli(["build", "--stdout", *args], cwd=project)
    assert result.exit_code == 0, result.stderr
    out = result.stdout_bytes.decode()
    stats = json.loads(cli(["stats", "--json", *args], cwd=project).stdout)
    assert stats["total"] == tokens_of(out) <= budget  # exact at every level
    levels = {f["path"]: f["level"] for f in stats["files"]}
    assert set(levels) >= {"core/big.py", "big.py", "mid.py", "small.py", "pkg/a.py"}
    assert levels["core/big.py"] == "full"  # priority pins it
    if budget >= 6000:
        assert levels["mid.py"] == "full"  # the goal names it: first after the pin
    assert "path" in levels.values() or "outline" in levels.values()
    for path in levels:
        assert path.rsplit("/", 1)[-1] in out  # every file is in the tree at least
    for kept in ("A shipping tool", "note_0 = 0", "CREATE TABLE t"):
        assert kept in out  # about, notes and schema stay
    assert "fitted by the ladder" in result.stderr


def test_a_pinned_file_that_cannot_fit_is_an_error_naming_it(cli: CLI, project: Path) -> None:
    result = cli(["build", "--stdout", "-g", "g", "--budget", "1200"], cwd=project)
    assert result.exit_code == 3
    assert "pinned file core/big.py" in result.stderr


def test_fit_that_cannot_fit_says_why(cli: CLI, project: Path) -> None:
    result = cli(["build", "--stdout", "-g", "g", "--budget", "40"], cwd=project)
    assert result.exit_code == 3
    assert "even with every file by path only" in result.stderr


def test_budget_line_colour_follows_the_share(project: Path) -> None:
    styles = {}
    for budget in (100_000, 10_000, 2_000):
        built = build(project, {"budget": budget, "goal": "g", "fit": False})
        line = budget_line(built)
        styles[budget] = str(line.spans[0].style)
    assert styles == {100_000: "green", 10_000: "yellow", 2_000: "bold red"}


def test_stats_shows_a_folder_tree_with_totals(cli: CLI, project: Path) -> None:
    result = cli(["stats", "--top", "2"], cwd=project)
    assert result.exit_code == 0
    data = json.loads(cli(["stats", "--json"], cwd=project).stdout)
    assert f"core/ {data['folders']['core']:,}" in result.stdout
    assert f"pkg/ {data['folders']['pkg']:,}" in result.stdout
    assert data["folders"][""] == sum(f["tokens"] for f in data["files"])


def test_no_cache_writes_no_cache(cli: CLI, project: Path) -> None:
    assert cli(["build", "--stdout", "--no-cache"], cwd=project).exit_code == 0
    assert not (cache_dir() / "tokens").exists()
    assert not (cache_dir() / "secrets").exists()


@pytest.mark.parametrize(
    "junk",
    [
        b"\x00\x01garbage",
        marshal.dumps((999, {})),
        marshal.dumps((2, {"o200k_base": "not a table"})),
        marshal.dumps(["a", "list"]),
        b'{"version": 1, "encodings": {}}',  # the JSON of version 1
    ],
)
def test_corrupt_or_foreign_cache_is_rebuilt(cli: CLI, project: Path, junk: bytes) -> None:
    cold = json.loads(cli(["stats", "--json"], cwd=project).stdout)
    for path in (cache_dir() / "tokens").glob("*.marshal"):
        path.write_bytes(junk)
    again = json.loads(cli(["stats", "--json"], cwd=project).stdout)
    assert again["total"] == cold["total"]
    assert again["encoded_files"] == cold["encoded_files"]  # everything counted afresh
    warm = json.loads(cli(["stats", "--json"], cwd=project).stdout)
    assert warm["encoded_files"] == 0


def test_two_concurrent_builds_share_the_cache_safely(project: Path) -> None:
    env = {**os.environ}
    args = [sys.executable, "-m", "briefpack", "stats", "--json"]
    procs = [
        subprocess.Popen(args, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [r[1] for r in results]
    totals = {json.loads(out)["total"] for out, _ in results}
    assert len(totals) == 1
    kept = list((cache_dir() / "tokens").glob("*.marshal"))
    assert kept
    for path in kept:
        marshal.loads(path.read_bytes())  # whole, valid
    after = subprocess.run(args, cwd=project, env=env, capture_output=True, check=True)
    assert json.loads(after.stdout)["encoded_files"] == 0


def test_stats_tree_is_bounded_unless_asked(cli: CLI, git_repo: Path) -> None:
    """Issue 21.21: two folder levels and each folder's largest files; `--tree` shows all."""
    files = {f"a/b/c/deep_{i}.py": f"x = {i}\n" for i in range(3)}
    files |= {f"flat/f{i:02}.py": "y = 1\n" * (i + 1) for i in range(20)}
    write_tree(git_repo, files)
    bounded = cli(["stats", "--top", "3"], cwd=git_repo).stdout
    assert "b/" in bounded and "c/" not in bounded and "deep_0.py" not in bounded
    assert "f19.py" in bounded and "f00.py" not in bounded and "… 12 more files" in bounded
    full = cli(["stats", "--tree"], cwd=git_repo).stdout
    assert "c/" in full and "deep_0.py" in full and "f00.py" in full and "more files" not in full

"""The budget: over it, `build` stops and shows what to cut; `--fit` leaves files out, exactly."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from briefpack.encodings import load_encoding
from briefpack.fit import drop_order, next_drops
from briefpack.pipeline import build
from briefpack.report import budget_line
from briefpack.store import cache_dir
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


def test_over_budget_stops_with_the_largest_folders_and_files(cli: CLI, project: Path) -> None:
    result = cli(["build", "--stdout", "-g", "g", "--budget", "2000"], cwd=project)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "largest folders and files" in result.stderr
    lines = result.stderr.splitlines()
    start = lines.index(next(ln for ln in lines if "largest folders and files" in ln))
    table = "\n".join(lines[start : start + 12])
    assert "core/" in table and "big.py" in table
    assert "over the budget of 2,000" in result.stderr


@pytest.mark.parametrize("style", ["markdown", "xml"])
def test_fit_leaves_out_the_largest_unprioritised_files_and_stays_exact(
    cli: CLI, project: Path, style: str
) -> None:
    budget = 5000
    result = cli(
        ["build", "--stdout", "-g", "g", "--budget", str(budget), "--fit", "--style", style],
        cwd=project,
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout_bytes.decode()
    stats = json.loads(
        cli(
            ["stats", "--json", "-g", "g", "--budget", str(budget), "--fit", "--style", style],
            cwd=project,
        ).stdout
    )
    assert stats["total"] == tokens_of(out) <= budget
    left_out = stats["left_out_for_space"]
    assert left_out == ["big.py", "mid.py"]  # largest first, only as many as needed
    assert "core/big.py" not in left_out  # priority kept
    assert "small.py" not in left_out
    for kept in ("A shipping tool", "note_0 = 0", "CREATE TABLE t"):
        assert kept in out  # about, notes and schema are never dropped
    for path in left_out:
        assert path in out  # named in the brief's note
        assert f"left out {len(left_out)} file(s) for space" in result.stderr
    assert ("Left out for space" in out) if style == "markdown" else ("<left_out>" in out)


def test_fit_that_cannot_fit_says_why(cli: CLI, project: Path) -> None:
    result = cli(["build", "--stdout", "-g", "g", "--budget", "150", "--fit"], cwd=project)
    assert result.exit_code == 3
    assert "even with every code file left out" in result.stderr


def test_drop_order_and_next_drops() -> None:
    files = [("a.py", 50), ("b.py", 500), ("core/c.py", 900), ("api/d.py", 700), ("e.py", 10)]
    order = drop_order(files, ["core/**", "api/**"])
    assert order == ["b.py", "a.py", "e.py", "api/d.py", "core/c.py"]
    tokens = dict(files)
    assert next_drops(order, tokens, 520) == ["b.py", "a.py"]
    assert next_drops(order, tokens, 0) == []
    assert next_drops(order, tokens, 10**6) == order


def test_budget_line_colour_follows_the_share(project: Path) -> None:
    styles = {}
    for budget in (100_000, 10_000, 2_000):
        built = build(project, {"budget": budget, "goal": "g"})
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
        b'{"version": 999, "encodings": {}}',
        b'{"version": 1, "encodings": {"o200k_base": {"k": "not a number"}}}',
        b'["a", "list"]',
    ],
)
def test_corrupt_or_foreign_cache_is_rebuilt(cli: CLI, project: Path, junk: bytes) -> None:
    cold = json.loads(cli(["stats", "--json"], cwd=project).stdout)
    for path in (cache_dir() / "tokens").glob("*.json"):
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
    for path in (cache_dir() / "tokens").glob("*.json"):
        json.loads(path.read_bytes())  # whole, valid JSON
    after = subprocess.run(args, cwd=project, env=env, capture_output=True, check=True)
    assert json.loads(after.stdout)["encoded_files"] == 0

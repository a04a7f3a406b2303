"""The snapshot memo: a snapshot that reuses the last one's unchanged blobs is byte-identical to a
full build, and the memo is used only when it can be trusted."""

from __future__ import annotations

import json
import marshal
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from briefpack.brief.config import load_settings
from briefpack.brief.parts import Unread
from briefpack.brief.pipeline import build
from briefpack.snapshot.manifest import snapshot_path
from briefpack.snapshot.take import load_memo
from briefpack.tokens.store import cache_dir
from tests.conftest import git, write_tree
from tests.secretset.values import Rand, checksummed

CLI = Callable[..., Result]
SNAP = ".briefpack/context.md"
# built at run time so no scanner flags this file itself, with the checksum the scan checks
CANARY = checksummed(Rand(23), "ghp_")


def snapshot(cli: CLI, repo: Path, *args: str) -> Result:
    git(repo, "add", "-A")
    result = cli(["snapshot", "-v", *args], cwd=repo)
    assert result.exit_code == 0, result.stderr
    return result


def assert_equal_to_a_full_build(cli: CLI, repo: Path, *args: str) -> None:
    """`snapshot --check` builds everything again, without the memo, and compares bytes."""
    result = cli(["snapshot", "--check", *args], cwd=repo)
    assert result.exit_code == 0, result.stderr


def taken_on_next_build(repo: Path) -> set[str]:
    """Which paths the memo would serve to a snapshot build of what is staged now."""
    settings = load_settings(repo)
    memo = load_memo(settings)
    build(repo, {"goal": "", "format": "", "warnings": []}, staged=True, memo=memo)
    return set(memo.taken)


@pytest.fixture
def repo(git_repo: Path) -> Path:
    write_tree(
        git_repo,
        {
            "app.py": "VERSION = 1\n",
            "docs/guide.md": "Use ```fences``` freely.\n",
            "notes/glossary.md": "Tender: an offered load.\n",
            "db/schema.sql": "CREATE TABLE load (id int);\n",
            "config/settings.py": f'GITHUB_TOKEN = "{CANARY}"\n',
            "legacy.txt": "caf\xe9 cr\xe8me".encode("cp1252"),
            "logo.png": b"\x89PNG\r\n\x1a\n\0\0\0binary",
        },
    )
    (git_repo / ".briefpack.toml").write_text('schema = ["db/*.sql"]\n')
    return git_repo


@pytest.mark.parametrize("style", ["markdown", "xml"])
def test_reused_blobs_give_the_same_bytes_as_a_full_build(repo: Path, cli: CLI, style: str) -> None:
    (repo / ".briefpack.toml").write_text(f'schema = ["db/*.sql"]\nstyle = "{style}"\n')
    snapshot(cli, repo)
    steps: list[Callable[[], None]] = [
        lambda: (repo / "app.py").write_text("VERSION = 2\n"),
        lambda: (repo / "new/module.py").parent.mkdir() or None,
        lambda: (repo / "new/module.py").write_text("def f():\n    return '</file>'\n"),
        lambda: (repo / "notes/glossary.md").write_text(
            "Tender: an offered load.\nLane: a route.\n"
        ),
        lambda: (repo / "legacy.txt").unlink(),
        lambda: git(repo, "mv", "docs/guide.md", "docs/handbook.md") and None,
        lambda: (repo / "config/settings.py").write_text(f'TOKEN = "{CANARY}"\nDEBUG = 1\n'),
        lambda: (repo / "db/schema.sql").write_text("CREATE TABLE load (id int, lane text);\n"),
        # the last segment (no blank line after it in Markdown) changes hands, and back
        lambda: (repo / "zz_last.py").write_text("LAST = True\n"),
        lambda: (repo / "zz_last.py").unlink(),
    ]
    for step in steps:
        step()
        snapshot(cli, repo)
        assert_equal_to_a_full_build(cli, repo)
    text = (repo / SNAP).read_text()
    assert CANARY not in text and "[redacted: github-token]" in text


def test_a_random_walk_of_changes_matches_full_builds(git_repo: Path, cli: CLI) -> None:
    rng = random.Random(20261123)
    files = {f"pkg{i % 3}/m{i}.py": f"X = {i}\n" for i in range(12)}
    write_tree(git_repo, files)
    snapshot(cli, git_repo)
    for step in range(15):
        path = rng.choice(sorted(files))
        action = rng.choice(["edit", "edit", "add", "remove"])
        if action == "remove" and len(files) > 2:
            (git_repo / path).unlink()
            del files[path]
        else:
            target = path if action == "edit" else f"pkg{step % 4}/n{step}.py"
            files[target] = f"Y = {rng.random()!r}\n" * rng.randint(1, 5)
            write_tree(git_repo, {target: files[target]})
        snapshot(cli, git_repo)
        assert_equal_to_a_full_build(cli, git_repo)


def test_only_the_changed_blob_is_read_again(repo: Path, cli: CLI) -> None:
    snapshot(cli, repo)
    (repo / "app.py").write_text("VERSION = 3\n")
    git(repo, "add", "app.py")
    taken = taken_on_next_build(repo)
    assert "app.py" not in taken
    assert {"docs/guide.md", "notes/glossary.md", "config/settings.py", "logo.png"} <= taken


def test_unchanged_segments_are_reused_with_their_counts(repo: Path, cli: CLI) -> None:
    snapshot(cli, repo)
    (repo / "app.py").write_text("VERSION = 5\n")
    git(repo, "add", "app.py")
    memo = load_memo(load_settings(repo))
    built = build(repo, {"goal": "", "format": "", "warnings": []}, staged=True, memo=memo)
    again = {s.path for s in built.segments if s.path is not None and s.tokens is None}
    # the changed file, and the last segment (no blank line after it: its count differs)
    assert again == {"app.py", built.segments[-1].path}
    reused = {s.path for s in built.segments if s.tokens is not None}
    assert reused | again == {s.path for s in built.segments if s.path is not None}
    assert len(reused) == 4  # the rest, taken as they were
    assert built.encoded_files == 1  # only app.py's new text met the tokenizer


def test_findings_of_reused_blobs_are_still_reported(repo: Path, cli: CLI) -> None:
    first = snapshot(cli, repo)
    (repo / "app.py").write_text("VERSION = 4\n")
    again = snapshot(cli, repo)
    for result in (first, again):
        assert "config/settings.py:1: github-token redacted" in result.stderr
    assert "legacy.txt: not UTF-8" in again.stderr  # the read note comes back too


def test_an_edited_snapshot_file_is_not_trusted(repo: Path, cli: CLI) -> None:
    snapshot(cli, repo)
    snap = repo / SNAP
    snap.write_text(snap.read_text().replace("VERSION = 1", "VERSION = 9"))
    git(repo, "add", "-A")
    assert taken_on_next_build(repo) == set()
    snapshot(cli, repo)
    assert "VERSION = 1" in snap.read_text()
    assert_equal_to_a_full_build(cli, repo)


def test_a_corrupt_or_foreign_memo_is_ignored(repo: Path, cli: CLI) -> None:
    snapshot(cli, repo)
    (memo_file,) = (cache_dir() / "snapshots").iterdir()
    good = marshal.loads(memo_file.read_bytes())
    foreign = marshal.dumps({"briefpack_memo": 1, "files": []})
    for junk in (b"{not marshal", foreign, marshal.dumps([]), b""):
        memo_file.write_bytes(junk)
        (repo / "app.py").write_text(f"VERSION = {len(junk)}\n")
        snapshot(cli, repo)
        assert_equal_to_a_full_build(cli, repo)
    row = marshal.loads(memo_file.read_bytes())
    assert row["key"] == good["key"]
    row["files"]["docs/guide.md"][3] = 10**9  # a span outside the snapshot
    row["files"]["notes/glossary.md"][5:] = ["too", "few"]  # a damaged row
    memo_file.write_bytes(marshal.dumps(row))
    taken = taken_on_next_build(repo)
    assert "docs/guide.md" not in taken and "notes/glossary.md" not in taken
    assert "db/schema.sql" in taken
    snapshot(cli, repo)
    assert_equal_to_a_full_build(cli, repo)


def test_other_settings_do_not_reuse_blobs(repo: Path, cli: CLI) -> None:
    snapshot(cli, repo)
    allowed = snapshot(cli, repo, "--secrets", "allow")
    assert CANARY in (repo / SNAP).read_text()  # scanned again under the new mode, not reused
    assert "github-token" in allowed.stderr
    snapshot(cli, repo)
    assert CANARY not in (repo / SNAP).read_text()


def test_no_cache_writes_no_memo(repo: Path, cli: CLI) -> None:
    snapshot(cli, repo, "--no-cache")
    assert not (cache_dir() / "snapshots").exists()
    assert snapshot_path(load_settings(repo)).exists()


def module(i: int, n: int, calls: int) -> str:
    """A module of `n` helpers, each calling the next module's (a code graph to rank by)."""
    body = "".join(
        f'def helper_{i}_{k}(value):\n    """Helper {k}."""\n'
        f"    return compute_{calls}_{k}(value) + {k}\n\n"
        for k in range(n)
    )
    return f"import os\n\nSHARED_NAME_{i} = {i}\n\n{body}"


@pytest.fixture
def fitted(git_repo: Path) -> Path:
    """24 modules over a snapshot budget of 6,000 tokens: some in full, some outlined, most
    by path only."""
    rng = random.Random(5)
    files = {
        f"pkg{i % 3}/mod{i}.py": module(i, rng.randint(2, 40), (i + 1) % 24) for i in range(24)
    }
    write_tree(git_repo, files | {"README.md": "# Demo\n"})
    (git_repo / ".briefpack.toml").write_text("snapshot_budget = 6000\n")
    return git_repo


def levels(repo: Path) -> dict[str, str]:
    manifest = json.loads((repo / ".briefpack" / "context.json").read_text())
    return {f["path"]: f["level"] for f in manifest["files"]}


def test_a_fitted_snapshot_reads_only_the_changed_blob(fitted: Path, cli: CLI) -> None:
    snapshot(cli, fitted)
    placed = levels(fitted)
    assert {"full", "outline", "path"} <= set(placed.values())
    with (fitted / "pkg1/mod4.py").open("a") as f:
        f.write("CHANGED = 1\n")
    git(fitted, "add", "pkg1/mod4.py")
    memo = load_memo(load_settings(fitted))
    overrides = {"goal": "", "format": "", "warnings": [], "budget": 6000}
    built = build(fitted, overrides, staged=True, memo=memo)
    unread = {p for p, (_, read) in built.reads.items() if isinstance(read, Unread)}
    # every file the last snapshot left as an outline or a path, and still does, was not read
    assert unread == {
        p for p, lv in built.levels.items() if lv != "full" and placed.get(p) != "full"
    } - {"pkg1/mod4.py"}
    assert len(unread) >= 10
    assert set(memo.taken) == set(placed) - {"pkg1/mod4.py"}
    snapshot(cli, fitted)
    assert_equal_to_a_full_build(cli, fitted)


@pytest.mark.parametrize("style", ["markdown", "xml"])
def test_a_random_walk_of_a_fitted_snapshot_matches_full_builds(
    fitted: Path, cli: CLI, style: str
) -> None:
    """Edits, new files, removals and budgets that move files up and down the ladder (an
    unread file read again to go in full), and one that fits whole (every file read)."""
    (fitted / ".briefpack.toml").write_text(f'snapshot_budget = 6000\nstyle = "{style}"\n')
    snapshot(cli, fitted)
    rng = random.Random(20261130)
    paths = sorted(levels(fitted))
    for step in range(12):
        path = rng.choice([p for p in paths if p.endswith(".py")])
        action = rng.choice(["edit", "edit", "grow", "add", "remove"])
        if action == "remove" and len(paths) > 12:
            (fitted / path).unlink()
            paths.remove(path)
        elif action == "add":
            new = f"pkg{step % 3}/new{step}.py"
            write_tree(fitted, {new: module(100 + step, rng.randint(1, 30), rng.randrange(24))})
            paths.append(new)
        else:  # grows enough, now and then, to push others down or be pushed down itself
            extra = 1 if action == "edit" else rng.randint(5, 40)
            with (fitted / path).open("a") as f:
                f.write("".join(f"EXTRA_{step}_{k} = helper_{k}(1)\n" for k in range(extra)))
        budget = rng.choice([6000, 6000, 4000, 9000])
        snapshot(cli, fitted, "--budget", str(budget))
        assert_equal_to_a_full_build(cli, fitted, "--budget", str(budget))
        if step % 4 == 3:  # and to one without any cache (profiles, centrality, fits)
            assert_equal_to_a_full_build(cli, fitted, "--budget", str(budget), "--no-cache")
    snapshot(cli, fitted, "--budget", "400000")  # it all fits now: whole, every file read
    assert set(levels(fitted).values()) == {"full"}
    assert_equal_to_a_full_build(cli, fitted, "--budget", "400000")


def test_a_known_blob_that_reads_otherwise_is_built_afresh(fitted: Path, cli: CLI) -> None:
    snapshot(cli, fitted)
    (memo_file,) = (cache_dir() / "snapshots").iterdir()
    data = marshal.loads(memo_file.read_bytes())
    known = [p for p, row in data["files"].items() if row[1] == "known"]
    for path in known:
        data["files"][path][4] = "0" * 32  # a digest no text has: no profile, no outline held
    memo_file.write_bytes(marshal.dumps(data))
    snapshot(cli, fitted, "--budget", "9000")  # files read again to be profiled: not as known
    assert_equal_to_a_full_build(cli, fitted, "--budget", "9000")

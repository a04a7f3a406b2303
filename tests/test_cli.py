"""The spine end to end: real git repos, the real CLI, real output paths and a real clipboard."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from typer.testing import Result

from briefpack import __version__
from briefpack.tokens.encodings import load_encoding
from tests.conftest import git, write_tree

CLI = Callable[..., Result]

PROJECT = {
    "app.py": "def login(user):\n    return user\n",
    "web/ui.ts": "export const x: number = 1;\n",
    "README.md": "# demo\n",
}


@pytest.fixture
def project(git_repo: Path) -> Path:
    write_tree(git_repo, PROJECT)
    git(git_repo, "add", "-A")
    return git_repo


def run(
    args: list[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    stdin: int | None = subprocess.DEVNULL,
) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process (its own stdout, stderr, clipboard)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "briefpack", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        stdin=stdin,
        timeout=120,
    )


def test_version_and_help(cli: CLI) -> None:
    result = cli(["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"briefpack {__version__}"
    for command in ("build", "ls", "stats", "init", "models"):
        result = cli([command, "--help"])
        assert result.exit_code == 0, command
        assert "Usage:" in result.stdout


def test_python_dash_m_runs(project: Path) -> None:
    result = run(["--version"], project)
    assert result.returncode == 0
    assert result.stdout == f"briefpack {__version__}\n"


def test_build_stdout_is_the_brief_and_summary_is_on_stderr(cli: CLI, project: Path) -> None:
    result = cli(
        [
            "build",
            "--stdout",
            "-g",
            "Add rate limiting",
            "-f",
            "Files only",
            "-w",
            "Keep the API",
            "-w",
            "No Redis",
        ],
        cwd=project,
    )
    assert result.exit_code == 0, result.stderr
    brief = result.stdout
    assert brief.startswith("# Goal\n\nAdd rate limiting\n")
    order = [
        "# Goal",
        "# Return format",
        "# Warnings",
        "# Context",
        "## Directory tree",
        "### app.py",
        "### web/ui.ts",
    ]
    positions = [brief.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "- Keep the API\n- No Redis\n" in brief
    assert "def login(user):" in brief
    # The summary is on stderr only, and its total is tiktoken's count of what was emitted.
    total = len(load_encoding("o200k_base").encode_ordinary(brief))
    assert f"total {total:,} / " in result.stderr
    assert "total" not in brief


def test_build_without_goal_warns(cli: CLI, project: Path) -> None:
    result = cli(["build", "--stdout"], cwd=project)
    assert result.exit_code == 0
    assert "no goal" in result.stderr
    assert "# Goal" not in result.stdout
    assert result.stdout.startswith("# Context\n")


def test_flags_override_config(cli: CLI, project: Path) -> None:
    write_tree(
        project,
        {
            ".briefpack.toml": (
                'goal = "from config"\nformat = "config format"\nwarnings = ["config warning"]\n'
                'style = "xml"\n'
            )
        },
    )
    result = cli(["build", "--stdout", "-g", "from flag", "-w", "flag warning"], cwd=project)
    assert result.exit_code == 0, result.stderr
    brief = result.stdout
    assert "from flag" in brief and "from config" not in brief
    assert "config format" in brief  # not overridden
    assert "flag warning" in brief and "config warning" not in brief
    assert brief.startswith("<goal>")  # style from config
    result = cli(["build", "--stdout", "--style", "markdown"], cwd=project)
    assert result.stdout.startswith("# Goal\n\nfrom config\n")
    assert ".briefpack.toml" not in result.stdout  # its content is already the brief's header


def test_config_found_walking_up_from_a_subfolder(cli: CLI, project: Path) -> None:
    write_tree(project, {".briefpack.toml": 'goal = "root goal"\n'})
    result = cli(["build", "--stdout"], cwd=project / "web")
    assert result.exit_code == 0, result.stderr
    assert "root goal" in result.stdout


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("goal = \n", "invalid TOML"),
        ("gaol = 'x'\n", "unknown key 'gaol'"),
        ("warnings = 'x'\n", "key 'warnings'"),
    ],
)
def test_broken_config_is_a_one_line_error(cli: CLI, project: Path, text: str, needle: str) -> None:
    write_tree(project, {".briefpack.toml": text})
    result = cli(["build", "--stdout"], cwd=project)
    assert result.exit_code == 1
    assert result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ") and needle in first and ".briefpack.toml" in first
    assert "Traceback" not in result.stderr


def test_repo_without_config_works(cli: CLI, project: Path) -> None:
    result = cli(["stats", "--json"], cwd=project)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["model"]


def test_missing_path_is_a_clean_error(cli: CLI, project: Path) -> None:
    result = cli(["build", "--stdout", "no-such-dir"], cwd=project)
    assert result.exit_code == 1
    assert "no-such-dir" in result.stderr.splitlines()[0]


def test_path_argument_briefs_that_folder(cli: CLI, project: Path, tmp_path: Path) -> None:
    result = cli(["ls", "--json", str(project / "web")], cwd=tmp_path)
    assert result.exit_code == 0, result.stderr
    assert [row["path"] for row in json.loads(result.stdout)] == ["ui.ts"]


def test_ls_json_shape(cli: CLI, project: Path) -> None:
    result = cli(["ls", "--json"], cwd=project)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["path"] for row in rows] == ["README.md", "app.py", "web/ui.ts"]
    enc = load_encoding("o200k_base")
    for row in rows:
        assert isinstance(row["tokens"], int) and row["tokens"] > 0
        # A file's tokens are its whole segment (heading, fence and text) in the brief.
        assert row["tokens"] > len(enc.encode_ordinary((project / row["path"]).read_text()))


def test_stats_json_shape_and_totals(cli: CLI, project: Path) -> None:
    result = cli(["stats", "--json", "-g", "goal"], cwd=project)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {
        "total",
        "budget",
        "model",
        "encoding",
        "sections",
        "files",
        "encoded_files",
    }
    assert data["encoding"] == "o200k_base"
    assert sum(data["sections"].values()) == data["total"]
    built = cli(["build", "--stdout", "-g", "goal"], cwd=project).stdout
    assert data["total"] == len(load_encoding("o200k_base").encode_ordinary(built))
    assert data["encoded_files"] == 3  # a cold cache: every file encoded once
    warm = json.loads(cli(["stats", "--json", "-g", "goal"], cwd=project).stdout)
    assert warm["encoded_files"] == 0
    assert warm["total"] == data["total"]


def test_stats_table(cli: CLI, project: Path) -> None:
    result = cli(["stats"], cwd=project)
    assert result.exit_code == 0
    assert "app.py" in result.stdout and "total" in result.stdout


def test_output_file(cli: CLI, project: Path) -> None:
    result = cli(["build", "-o", "out/brief.md", "-g", "goal"], cwd=project)
    assert result.exit_code == 0, result.stderr
    text = (project / "out" / "brief.md").read_text(encoding="utf-8")
    assert text.startswith("# Goal\n\ngoal\n")
    assert result.stdout == ""
    assert "wrote" in result.stderr


def test_piped_stdout_gets_the_brief(project: Path) -> None:
    result = run(["build", "-g", "piped"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Goal\n\npiped\n")
    assert "total" in result.stderr


def test_clipboard_under_xvfb(project: Path, display: str) -> None:
    result = run(["build", "--copy", "-g", "to the clipboard"], project, env={"DISPLAY": display})
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "copied to the clipboard" in result.stderr
    pasted = subprocess.run(
        ["xclip", "-selection", "clipboard", "-o"],
        capture_output=True,
        text=True,
        env={**os.environ, "DISPLAY": display},
        check=True,
        timeout=30,
    ).stdout
    assert pasted.startswith("# Goal\n\nto the clipboard\n")
    assert "def login(user):" in pasted
    assert not (project / ".briefpack" / "brief.md").exists()


def test_no_clipboard_falls_back_to_a_file(project: Path) -> None:
    env = {"DISPLAY": "", "WAYLAND_DISPLAY": "", "PATH": os.environ.get("PATH", "")}
    result = run(["build", "--copy", "-g", "fallback"], project, env=env)
    assert result.returncode == 0, result.stderr
    saved = project / ".briefpack" / "brief.md"
    assert saved.read_text(encoding="utf-8").startswith("# Goal\n\nfallback\n")
    assert "no clipboard" in result.stderr and str(saved) in result.stderr
    # The fallback file is never part of the next brief.
    again = run(["ls", "--json"], project)
    assert ".briefpack/brief.md" not in again.stdout


def _build_without_clipboard_on_a_terminal(project: Path) -> bytes:
    """`build --copy` with no clipboard and stderr on a terminal; what the terminal received."""
    import pty

    leader, follower = pty.openpty()
    env = {**os.environ, "DISPLAY": "", "WAYLAND_DISPLAY": ""}
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefpack", "build", "--copy", "-g", "osc"],
        cwd=project,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    assert proc.wait(timeout=60) == 0
    os.close(leader)
    return b"".join(chunks)


def test_no_clipboard_on_a_terminal_uses_osc52(project: Path) -> None:
    import base64

    seen = _build_without_clipboard_on_a_terminal(project)
    brief = (project / ".briefpack" / "brief.md").read_bytes()
    assert b"\x1b]52;c;" + base64.b64encode(brief) + b"\x07" in seen


def test_a_brief_too_big_for_osc52_is_only_saved(project: Path) -> None:
    """Terminals cap OSC 52 far below a large brief: past 100 kB of base64, no escape at all."""
    write_tree(project, {"big.txt": "word " * 16_000 + "\n"})  # 80 kB: 107 kB in base64
    seen = _build_without_clipboard_on_a_terminal(project)
    brief = (project / ".briefpack" / "brief.md").read_text(encoding="utf-8")
    assert "word word" in brief
    assert b"\x1b]52" not in seen
    said = b" ".join(seen.split())  # as one line, whatever the terminal's width
    assert b"too big to send to the terminal (OSC 52 carries 100 kB at most)" in said
    assert b"the brief is in " in said and b".briefpack/brief.md" in said


def test_init_writes_detected_config(cli: CLI, git_repo: Path) -> None:
    write_tree(
        git_repo,
        {
            "notes/lingo.md": "x\n",
            "db/schema.sql": "create table t();\n",
            "ABOUT.md": "about\n",
            "app/migrations/0001.sql": "\n",
            "tests/testapp/migrations/0001.py": "\n",
            "examples/blog/migrations/0001.py": "\n",
        },
    )
    result = cli(["init"], cwd=git_repo)
    assert result.exit_code == 0, result.stderr
    data = tomllib.loads((git_repo / ".briefpack.toml").read_text(encoding="utf-8"))
    assert data["notes"] == ["notes/**"]
    assert data["about"] == "ABOUT.md"
    assert data["schema"] == ["app/migrations/**", "db/schema.sql"]  # no test app's, no example's
    assert data["model"] == "gpt-5.6-sol"
    again = cli(["init"], cwd=git_repo)
    assert again.exit_code == 1 and "--force" in again.stderr
    # The written file is valid config: a build reads it back.
    assert cli(["build", "--stdout"], cwd=git_repo).exit_code == 0


def test_models_json(cli: CLI) -> None:
    result = cli(["models", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)["models"]
    o1 = next(row for row in rows if row["id"] == "o1")
    assert o1["shutdown"] == "2026-10-23" and o1["encoding"] == "o200k_base"


def test_unknown_flag_is_usage_error(cli: CLI, project: Path) -> None:
    result = cli(["build", "--frobnicate"], cwd=project)
    assert result.exit_code == 2


def test_example_project_builds(cli: CLI) -> None:
    example = Path(__file__).parent.parent / "examples" / "tidewater"
    result = cli(["build", "--stdout", str(example)])
    assert result.exit_code == 0, result.stderr
    brief = result.stdout
    order = [
        "# Goal",
        "# Return format",
        "# Warnings",
        "# Context",
        "## About",
        "## Notes",
        "## Schema",
        "## Directory tree",
        "## Files",
    ]
    positions = [brief.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert "CREATE TABLE tenders" in brief and "renderLoadBoard" in brief
    assert "no goal" not in result.stderr


@pytest.mark.parametrize(
    ("args", "files", "read_first"),
    [
        (["ls"], 1200, True),  # far more than the pipe holds: a write fails mid-command
        (["ls"], 3, False),  # all of it buffered: the flush at exit fails
        (["stats"], 3, False),  # Rich writes the table
        (["build", "--stdout"], 3, False),
    ],
)
def test_a_reader_that_goes_away_ends_it_quietly_like_git(
    git_repo: Path, args: list[str], files: int, read_first: bool
) -> None:
    """`briefpack ls | head -1`: exit 141 (what a shell reports for git), nothing on stderr."""
    long = "a_rather_long_folder_name_so_that_each_line_of_ls_output_is_long/"
    write_tree(git_repo, {f"{long}module_{n:05d}.py": f"x = {n}\n" for n in range(files)})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as usual
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefpack", *args, "-g", "g", "-f", "f", "-w", "w"],
        cwd=git_repo,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    if read_first:
        assert proc.stdout.readline().strip()  # what `head -1` prints
    proc.stdout.close()  # `head` exits
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, stderr
    assert "error" not in stderr and "Traceback" not in stderr and "Exception" not in stderr


def test_output_file_in_the_repository_stays_out_of_the_next_brief(cli: CLI, project: Path) -> None:
    """Issue 21.8: `-o brief.md` twice gives the same brief, not one holding the last."""
    first = cli(["build", "-g", "g", "-o", "brief.md"], cwd=project)
    assert first.exit_code == 0, first.stderr
    text = (project / "brief.md").read_text()
    again = cli(["build", "-g", "g", "-o", "brief.md"], cwd=project)
    assert again.exit_code == 0 and (project / "brief.md").read_text() == text
    assert "brief.md" not in text


def test_output_dash_means_stdout(cli: CLI, project: Path) -> None:
    result = cli(["build", "-g", "g", "-o", "-"], cwd=project)
    assert result.exit_code == 0 and result.stdout.startswith("# Goal")
    assert not (project / "-").exists()


def test_the_left_out_line_names_whole_kinds_and_not_the_config(cli: CLI, git_repo: Path) -> None:
    """Issue 21.22: no `default 1` for the config itself, no labels cut to their first word."""
    write_tree(
        git_repo,
        {
            ".briefpack.toml": 'include = ["src/**"]\n',
            "src/app.py": "x = 1\n",
            "docs/a.md": "# A\n",
            "docs/b.md": "# B\n",
            "package-lock.json": "{}\n",
        },
    )
    result = cli(["build", "--stdout"], cwd=git_repo)
    assert result.exit_code == 0, result.stderr
    assert "left out 3 files: not included 2, lockfile 1" in result.stderr
    alone = cli(["build", "--stdout", "-i", "**"], cwd=git_repo)
    assert "left out 1 file: lockfile 1" in alone.stderr


def test_a_subfolder_keeps_the_repositorys_notes_and_schema(cli: CLI, git_repo: Path) -> None:
    """Issue 21.9: the config's paths are relative to its folder, wherever the command runs."""
    write_tree(
        git_repo,
        {
            ".briefpack.toml": 'notes = ["notes/**"]\nschema = ["db/*.sql"]\n'
            'snapshot_path = "notes/context.md"\n',
            "notes/lingo.md": "A tender is an offer of a load.\n",
            "db/schema.sql": "CREATE TABLE loads (id INTEGER);\n",
            "svc/api.py": "ROUTES = []\n",
            "svc/notes/local.md": "not a note: the config names the top notes/ only\n",
        },
    )
    git(git_repo, "add", "-A")
    for args, cwd in (
        (["build", "--stdout", "svc"], git_repo),
        (["build", "--stdout"], git_repo / "svc"),
    ):
        out = cli(args, cwd=cwd)
        assert out.exit_code == 0, out.stderr
        notes = out.stdout.split("## Notes")[1].split("## Schema")[0]
        assert "A tender is an offer" in notes and "not a note" not in notes
        assert "CREATE TABLE loads" in out.stdout.split("## Schema")[1].split("## Directory")[0]
        tree_part = out.stdout.split("## Directory tree")[1].split("## Files")[0]
        assert ".." not in tree_part and "api.py" in tree_part
    assert cli(["snapshot"], cwd=git_repo).exit_code == 0  # notes/context.md: never a note
    out_file = git_repo / "notes" / "brief.md"
    for _ in range(2):  # the brief written into the notes folder is not a note of the next
        cli(["build", "-o", str(out_file)], cwd=git_repo / "svc")
        assert "### ../notes/brief.md" not in out_file.read_text()
    out_file.unlink()
    listed = json.loads(cli(["note", "list", "--json"], cwd=git_repo / "svc").stdout)
    assert [n["path"] for n in listed] == ["../notes/lingo.md"]
    chosen = cli(["build", "--stdout", "--note", "lingo"], cwd=git_repo / "svc")
    assert "matches no note" not in chosen.stderr and "A tender" in chosen.stdout
    why = cli(["ls", "--why", "../notes/lingo.md"], cwd=git_repo / "svc")
    assert why.stdout.startswith("../notes/lingo.md: included in notes")


def test_a_brief_is_written_piece_by_piece_never_joined(tmp_path: Path) -> None:
    """A large brief's segments go out one after the other (joined, Django's would be held
    twice over, and once more encoded); the bytes are the same."""
    import io

    from briefpack.brief import emit

    pieces = ["# Goal\n\nFix it\n\n", "## café.py\n\n```python\nx = '😀'\n```\n"]
    emit.to_file(tmp_path / "b.md", pieces)
    assert (tmp_path / "b.md").read_bytes() == "".join(pieces).encode()
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    emit.to_stdout(pieces, out)
    assert out.buffer.getvalue() == "".join(pieces).encode()  # type: ignore[attr-defined]


def test_a_clipboard_slow_to_take_the_text_is_asked_again() -> None:
    """xclip serves the selection from a forked child: on a busy machine the first paste can
    still give the clipboard's old text. The copy is checked again for a while, not failed."""
    from briefpack.brief.emit import _pasted

    answers = iter(["old", "old", "brief"])
    assert _pasted(lambda: next(answers), "brief") == "brief"
    started = time.perf_counter()
    assert _pasted(lambda: "old", "brief") == "old"  # it never took it: the caller falls back
    assert time.perf_counter() - started >= 1.0

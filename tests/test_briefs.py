"""Better briefs: presets, task files, the checker."""

from __future__ import annotations

import json
import os
import pty
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from briefpack.brief.presets import PRESETS
from briefpack.brief.task import TEMPLATE, parse_task
from tests.conftest import git, write_tree
from tests.secretset.values import Rand, checksummed

CLI = Callable[..., Result]


@pytest.fixture
def project(git_repo: Path) -> Path:
    write_tree(git_repo, {"app.py": "def accept(load):\n    return load\n"})
    git(git_repo, "add", "-A")
    return git_repo


def test_format_preset_is_expanded_and_unknown_ones_listed(cli: CLI, project: Path) -> None:
    result = cli(["build", "--stdout", "-g", "g", "-f", "@files"], cwd=project)
    assert result.exit_code == 0
    assert PRESETS["files"] in result.stdout and "@files" not in result.stdout
    bad = cli(["build", "--stdout", "-f", "@poem"], cwd=project)
    assert bad.exit_code == 2
    assert "unknown return-format preset '@poem'" in bad.stderr and "@alternatives" in bad.stderr


def test_presets_lists_built_ins_and_config_ones(cli: CLI, project: Path) -> None:
    (project / ".briefpack.toml").write_text('[presets]\nsql = "One SQL migration file."\n')
    data = json.loads(cli(["presets", "--json"], cwd=project).stdout)
    for name in ("files", "alternatives", "plan", "review", "diagnosis", "explain", "sql"):
        assert name in data
    built = cli(["build", "--stdout", "-f", "@sql"], cwd=project)
    assert "One SQL migration file." in built.stdout
    assert "@diagnosis" in cli(["presets"], cwd=project).stdout


def test_task_file_round_trip() -> None:
    text = TEMPLATE.replace(
        "# Goal\n<!-- Exactly what you want back: one specific output (the what, not the how). -->\n",
        "# Goal\nAdd rate limiting to login.\n",
    ).replace("## Warnings\n<!-- Constraints", "## Warnings\n- Keep the API\n- No Redis\n<!-- C")
    task = parse_task(text + "Tried a decorator; it broke the tests.\n")
    assert task.goal == "Add rate limiting to login."
    assert task.warnings == ("Keep the API", "No Redis")
    assert task.tried == "Tried a decorator; it broke the tests."
    assert task.format == ""  # the hint comment is not content
    assert parse_task(TEMPLATE) == parse_task("")


def test_new_writes_a_task_file_and_build_reads_it(cli: CLI, project: Path) -> None:
    made = cli(["new", "rate limit"], cwd=project)
    assert made.exit_code == 0, made.stderr
    path = project / ".briefpack" / "tasks" / "rate-limit.md"
    assert path.read_text() == TEMPLATE
    assert cli(["new", "rate limit"], cwd=project).exit_code == 1  # never overwrites
    path.write_text(
        "# Goal\nAdd rate limiting.\n\n## Return format\n@plan\n\n## Warnings\n- Keep the API\n"
        "\n## What I tried\nA decorator.\n"
    )
    result = cli(["build", "--stdout", "--task", str(path)], cwd=project)
    assert result.exit_code == 0
    assert "Add rate limiting." in result.stdout and PRESETS["plan"] in result.stdout
    assert "Keep the API" in result.stdout and "A decorator." in result.stdout
    flag_wins = cli(["build", "--stdout", "--task", str(path), "-g", "Only this"], cwd=project)
    assert "Only this" in flag_wins.stdout and "Add rate limiting." not in flag_wins.stdout
    missing = cli(["build", "--stdout", "--task", "nope.md"], cwd=project)
    assert missing.exit_code == 1 and "cannot read task file" in missing.stderr


@pytest.mark.parametrize(
    ("flags", "codes"),
    [
        ([], {"no-goal", "no-format", "no-warnings", "thin-context"}),
        (["-g", "Fix login?", "-f", "@files", "-w", "w"], {"thin-context"}),
        (["-g", "Fix login? And why is it slow?"], {"several-outputs"}),
        (["-g", "Fix login and also write docs"], {"several-outputs"}),
        (["-g", "1. fix login\n2. write docs"], {"several-outputs"}),
        (["-g", "You are an expert. Fix login"], {"how-not-what"}),
        (["-g", "Fix login", "-w", "Think step by step"], {"how-not-what"}),
        (["-g", "Fix login", "--budget", "10", "--no-fit"], {"over-budget"}),
    ],
)
def test_checker_findings(cli: CLI, project: Path, flags: list[str], codes: set[str]) -> None:
    result = cli(["check", "--json", *flags], cwd=project)
    assert result.exit_code == 0
    found = {f["code"] for f in json.loads(result.stdout)}
    assert codes <= found
    if flags[:1] == ["-g"] and "no-goal" not in codes:
        assert "no-goal" not in found


def test_check_strict_blocks_and_build_only_warns(cli: CLI, project: Path) -> None:
    assert cli(["check", "--strict"], cwd=project).exit_code == 5
    built = cli(["build", "--stdout"], cwd=project)
    assert built.exit_code == 0
    assert "[no-goal]" in built.stderr and "[no-format]" in built.stderr
    (project / "big.py").write_text("x = 1\n" * 2000)
    good = cli(
        ["check", "--strict", "-g", "Fix login", "-f", "@files", "-w", "w", "--budget", "50000"],
        cwd=project,
    )
    assert good.exit_code == 0 and "looks good" in good.stderr


def test_live_schema_dump_from_a_real_sqlite_database(cli: CLI, project: Path) -> None:
    import sqlite3

    db = sqlite3.connect(project / "app.db")
    db.executescript(
        "CREATE TABLE loads (id INTEGER PRIMARY KEY, origin TEXT NOT NULL);"
        "CREATE INDEX loads_origin ON loads(origin);"
    )
    db.close()
    (project / ".briefpack.toml").write_text(
        'schema_commands = ["sqlite3 app.db .schema", "exit 3", "sleep 30"]\nschema_timeout = 1\n'
    )
    result = cli(["build", "--stdout", "-g", "g"], cwd=project)
    assert result.exit_code == 0, result.stderr
    assert "$ sqlite3 app.db .schema" in result.stdout
    assert "CREATE TABLE loads" in result.stdout and "CREATE INDEX loads_origin" in result.stdout
    assert "schema command failed: exit 3: exit 3" in result.stderr
    assert "schema command failed: sleep 30: timed out after 1 s" in result.stderr
    (project / ".briefpack.toml").write_text('schema_commands = ["exit 3"]\nstrict = true\n')
    strict = cli(["build", "--stdout"], cwd=project)
    assert strict.exit_code == 1 and "schema command failed" in strict.stderr


def test_schema_scrub_drops_churn_and_owners() -> None:
    from briefpack.brief.schema import scrub

    mysql = (
        "CREATE TABLE `t` (`id` int NOT NULL AUTO_INCREMENT) ENGINE=InnoDB AUTO_INCREMENT=4711;\n"
        "CREATE DEFINER=`root`@`localhost` PROCEDURE p() BEGIN END;\n"
    )
    assert scrub(mysql) == (
        "CREATE TABLE `t` (`id` int NOT NULL AUTO_INCREMENT) ENGINE=InnoDB;\n"
        "CREATE PROCEDURE p() BEGIN END;\n"
    )
    pg = (
        "-- Name: t; Type: TABLE; Schema: public; Owner: alice\n"
        "CREATE TABLE public.t (id integer);\n"
        "ALTER TABLE public.t OWNER TO alice;\n"
        "GRANT ALL ON TABLE public.t TO app;\n"
        "REVOKE ALL ON SCHEMA public FROM PUBLIC;\n"
    )
    assert (
        scrub(pg)
        == "-- Name: t; Type: TABLE; Schema: public\nCREATE TABLE public.t (id integer);\n"
    )


def test_diff_and_log_are_context_and_changed_files_come_last(cli: CLI, project: Path) -> None:
    write_tree(project, {"zeta.py": "Z = 1\n", "alpha.py": "A = 1\n"})
    git(project, "add", "-A")
    git(project, "commit", "-qm", "Add alpha and zeta\n\nBecause the loads need them.")
    (project / "alpha.py").write_text("A = 2  # changed\n")
    result = cli(["build", "--stdout", "-g", "g", "--diff", "--log", "1"], cwd=project)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "## What changed recently" in out
    assert "-A = 1\n+A = 2  # changed" in out
    assert "Add alpha and zeta" in out and "Because the loads need them." in out
    files = out.split("## Files")[1]
    assert files.index("### app.py") < files.index("### zeta.py") < files.index("### alpha.py")
    plain = cli(["build", "--stdout", "-g", "g"], cwd=project).stdout.split("## Files")[1]
    assert plain.index("### alpha.py") < plain.index("### zeta.py")  # path order otherwise


def test_files_named_in_the_goal_and_priority_come_last(cli: CLI, project: Path) -> None:
    write_tree(project, {"b.py": "b\n", "c.py": "c\n", "core/d.py": "d\n"})
    (project / ".briefpack.toml").write_text('priority = ["core/**"]\n')
    out = cli(["build", "--stdout", "-g", "Fix b.py please"], cwd=project).stdout
    files = out.split("## Files")[1]
    order = [files.index(f"### {p}") for p in ("app.py", "c.py", "b.py", "core/d.py")]
    assert order == sorted(order)


@pytest.mark.parametrize(
    "how",
    [["-x", "app/"], ["--briefpackignore"], ["--lockfile"]],
    ids=["exclude-flag", "briefpackignore", "lockfile-only"],
)
def test_diff_leaves_out_what_the_brief_leaves_out(cli: CLI, project: Path, how: list[str]) -> None:
    """Issue 21.2: a change to a file the brief excludes never reaches "What changed"."""
    write_tree(project, {"app/server.py": "PORT = 1\n", "package-lock.json": '{"v": 1}\n'})
    git(project, "add", "-A")
    git(project, "commit", "-qm", "first")
    write_tree(project, {"app/server.py": "PORT = 2  # SERVER-EDIT\n"})
    write_tree(project, {"package-lock.json": '{"v": "LOCK-EDIT"}\n', "app.py": "# APP-EDIT\n"})
    flags = ["-x", "app/"] if how == ["-x", "app/"] else []
    if how == ["--briefpackignore"]:
        write_tree(project, {".briefpackignore": "app/\n"})
    result = cli(["build", "--stdout", "--diff", *flags], cwd=project)
    assert result.exit_code == 0, result.stderr
    changed = result.stdout.split("What changed recently")[1]
    assert "APP-EDIT" in changed
    assert "LOCK-EDIT" not in result.stdout  # a lockfile is left out by default
    assert ("SERVER-EDIT" in result.stdout) == (how == ["--lockfile"])


def test_diff_names_deleted_and_renamed_files_the_brief_would_carry(
    cli: CLI, project: Path
) -> None:
    """Files deleted or renamed away are named in "What changed", never shown: and only those
    the brief would carry (not ignored by git, by a .briefpackignore, even one that leaves
    itself out or went with its folder, by an exclude or a default rule)."""
    write_tree(
        project,
        {
            "old_name.py": "def moved():\n    return 'MOVED-BODY'\n",
            "gone.py": "GONE = 'GONE-TEXT'\n",
            "vendor/lib.py": "LIB = 'VENDOR-TEXT'\n",
            ".briefpackignore": "vendor/\nhidden.py\n.briefpackignore\n",
            "hidden.py": "H = 'HIDDEN-TEXT'\n",
            "priv/.briefpackignore": "*\n",
            "priv/plan.py": "PLAN = 'PLAN-TEXT'\n",
            "config/settings.yml": "db: SETTINGS-TEXT\n",
            ".env": "SETTING=ENV-TEXT\n",
        },
    )
    git(project, "add", "-Af")
    git(project, "commit", "-qm", "first")
    git(project, "mv", "old_name.py", "new_name.py")
    git(project, "rm", "-rq", "gone.py", "vendor", "hidden.py", "priv", ".env")
    git(project, "rm", "-q", "--cached", "config/settings.yml")  # untracked, then ignored
    (project / ".gitignore").write_text("config/settings.yml\n")
    result = cli(["build", "--stdout", "--diff"], cwd=project)
    assert result.exit_code == 0, result.stderr
    changed = result.stdout.split("What changed recently")[1]
    assert "renamed: old_name.py -> new_name.py" in changed
    assert "deleted: gone.py" in changed
    assert "GONE-TEXT" not in result.stdout  # named, never shown
    named = [line for line in changed.splitlines() if line.startswith(("deleted:", "renamed:"))]
    assert sorted(named) == ["deleted: gone.py", "renamed: old_name.py -> new_name.py"], named
    for text in ("VENDOR-TEXT", "HIDDEN-TEXT", "PLAN-TEXT", "SETTINGS-TEXT", "ENV-TEXT"):
        assert text not in result.stdout, text
    only = cli(["build", "--stdout", "--diff", "-x", "gone.py"], cwd=project).stdout
    assert "deleted: gone.py" not in only and "renamed: old_name.py" in only
    assert (
        "deleted:"
        not in cli(["build", "--stdout", "--diff", "-i", "new_name.py"], cwd=project).stdout
    )


def test_diff_names_no_file_the_brief_would_not_show(cli: CLI, project: Path) -> None:
    """Deleted without git (`rm`), the ignore file of a folder still hides it; a folder that is
    now a link names nothing (and fails nothing); an oversized or binary file, a note not
    chosen, and a file untracked but still carried are not named; a file renamed out of the
    brief is named deleted."""
    write_tree(
        project,
        {
            "priv/.briefpackignore": "*\n",
            "priv/layoffs.py": "L = 1\n",
            "a/file.py": "A = 1\n",
            "other/z.py": "Z = 1\n",
            "big_dump.sql": "a" * 2_000_000,
            "notes/hr-complaint.md": "n\n",
            "notes/ok.md": "m\n",
            "keep.py": "K = 1\n",
            "src/app.py": "APP = 1\n",
        },
    )
    (project / "blob.bin").write_bytes(b"\x00\x01bin")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "first")
    shutil.rmtree(project / "priv")  # not `git rm`: the index still lists its ignore file
    shutil.rmtree(project / "a")
    (project / "a").symlink_to("other")
    git(project, "rm", "-q", "big_dump.sql", "blob.bin", "notes/hr-complaint.md")
    git(project, "rm", "-q", "--cached", "keep.py")  # untracked: still on disk, still carried
    (project / "vendor").mkdir()
    git(project, "mv", "src/app.py", "vendor/app.py")
    result = cli(["build", "--stdout", "--diff", "--note", "ok", "-x", "vendor/"], cwd=project)
    assert result.exit_code == 0, result.stderr
    named = [line for line in result.stdout.splitlines() if line.startswith(("deleted:", "ren"))]
    assert named == ["deleted: src/app.py"], named


def test_diff_names_a_deleted_path_holding_control_characters_on_one_line(
    cli: CLI, project: Path
) -> None:
    odd = "form\x0cfeed.py"  # a line break to str.splitlines, not to git
    write_tree(project, {odd: "X = 1\n", "plain.py": "Y = 1\n"})
    git(project, "add", "-A")
    git(project, "commit", "-qm", "first")
    (project / odd).unlink()
    (project / "plain.py").unlink()
    result = cli(["build", "--stdout", "--diff"], cwd=project)
    assert result.exit_code == 0, result.stderr
    assert "deleted: form\\x0cfeed.py\ndeleted: plain.py\n" in result.stdout


def test_diff_secrets_are_redacted_too(cli: CLI, project: Path) -> None:
    git(project, "commit", "-qm", "first")
    token = checksummed(Rand(216), "ghp_")  # a valid checksum: the scan checks it
    (project / "app.py").write_text(f'TOKEN = "{token}"\n')
    result = cli(["build", "--stdout", "--diff", "-v"], cwd=project)
    assert token not in result.stdout and "[redacted: github-token]" in result.stdout
    assert re.search(r"git diff HEAD:\d+: github-token redacted", result.stderr)


@pytest.mark.parametrize("style", ["markdown", "xml"])
def test_restate_repeats_goal_and_format_at_the_end(cli: CLI, project: Path, style: str) -> None:
    from briefpack.tokens.encodings import load_encoding

    args = ["stats", "--json", "-g", "Fix login", "-f", "@files", "--restate", "--style", style]
    out = cli(["build", "--stdout", *args[2:]], cwd=project).stdout_bytes.decode()
    tail = out.rsplit("Reminder" if style == "markdown" else "<reminder>", 1)[1]
    assert "Goal: Fix login" in tail and "Return format: Complete files only" in tail
    total = __import__("json").loads(cli(args, cwd=project).stdout)["total"]
    assert total == len(load_encoding("o200k_base").encode_ordinary(out))


def test_notes_add_list_and_choose(cli: CLI, project: Path) -> None:
    added = cli(["note", "add", "lingo"], cwd=project, input="A tender is an offer of a load.\n")
    assert added.exit_code == 0, added.stderr
    assert (project / "notes" / "lingo.md").read_text() == "A tender is an offer of a load.\n"
    cli(["note", "add", "company"], cwd=project, input="We move freight.\n")
    assert cli(["note", "add", "empty"], cwd=project, input="").exit_code == 1
    listed = json.loads(cli(["note", "list", "--json"], cwd=project).stdout)
    assert [n["path"] for n in listed] == ["notes/company.md", "notes/lingo.md"]
    out = cli(["build", "--stdout", "-g", "g", "--note", "lingo"], cwd=project)
    assert "A tender is an offer" in out.stdout and "We move freight" not in out.stdout
    assert "## Notes" in out.stdout


def _at_a_terminal(args: list[str], cwd: Path, editor: str) -> subprocess.CompletedProcess[str]:
    """Run briefpack with a terminal on stdin (so it opens $EDITOR) and this EDITOR."""
    leader, follower = pty.openpty()
    try:
        return subprocess.run(
            [sys.executable, "-m", "briefpack", *args],
            cwd=cwd,
            env={**os.environ, "EDITOR": editor, "VISUAL": ""},
            stdin=follower,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
        os.close(leader)


@pytest.mark.parametrize(
    ("editor", "says"),
    [
        ("no-such-editor-here --wait", "cannot run the editor 'no-such-editor-here --wait'"),
        ("false", "the editor 'false' exited with 1"),
        ("true", "was left unchanged"),  # returns at once, like `code` without --wait
    ],
)
@pytest.mark.parametrize(
    ("args", "folder"), [(["new", "limits"], ".briefpack/tasks"), (["note", "add", "x"], "notes")]
)
def test_an_editor_that_fails_saves_nothing(
    project: Path, editor: str, says: str, args: list[str], folder: str
) -> None:
    """As `git commit` does: a missing editor, one that fails, or a file left as it was aborts."""
    result = _at_a_terminal(args, project, editor)
    assert result.returncode == 1, result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ") and says in first and first.endswith(": nothing was saved")
    assert "Traceback" not in result.stderr
    assert not list((project / folder).glob("*.md"))  # no stub goes into the next brief


def test_what_is_written_in_the_editor_is_saved(project: Path) -> None:
    editor = "sh -c 'echo We move freight. >> \"$1\"' editor"
    assert _at_a_terminal(["note", "add", "company"], project, editor).returncode == 0
    assert (project / "notes" / "company.md").read_text() == "# company\n\nWe move freight.\n"
    made = _at_a_terminal(["new", "limits"], project, editor)
    assert made.returncode == 0, made.stderr
    assert (project / ".briefpack/tasks/limits.md").read_text() == TEMPLATE + "We move freight.\n"


def test_names_that_match_nothing_are_warned_about(cli: CLI, project: Path) -> None:
    """Issue 21.11: a typo in --note, -i or a notes glob, or a task section briefpack does not
    read, is named in a warning instead of passing in silence."""
    write_tree(project, {"notes/lingo.md": "A tender is an offer.\n"})
    (project / ".briefpack.toml").write_text('notes = ["notes/**", "docs/adr/**"]\n')
    task = project / "t.md"
    task.write_text("# Goal\nFix it.\n\n## Constraints\n- keep the API\n")
    result = cli(
        [
            "build",
            "--stdout",
            "--note",
            "lingo",
            "--note",
            "nonexist",
            "-i",
            "srcc/**",
            "-i",
            "*.py",
            "--task",
            str(task),
        ],
        cwd=project,
    )
    assert result.exit_code == 0, result.stderr
    err = result.stderr
    assert "--note 'nonexist' matches no note" in err and "'lingo'" not in err
    assert "include glob 'srcc/**' matches no file" in err and "'*.py'" not in err
    assert "notes glob 'docs/adr/**' matches no file" in err
    assert "section 'Constraints' is not one briefpack reads" in err
    assert "A tender is an offer." in result.stdout


def test_a_small_project_can_pass_check_strict(cli: CLI, project: Path) -> None:
    """Issue 21.28: thin-context scales down for a small project, and a config can turn any
    single check off, so `check --strict` can pass."""
    (project / "big.py").write_text("value = compute(1)\n" * 800)  # ~4,800 tokens of code
    args = ["check", "--strict", "-g", "Fix login", "-f", "@files", "-w", "w"]
    assert cli(args, cwd=project).exit_code == 0  # no longer thin under a 922k budget
    (project / "big.py").unlink()
    assert cli(args, cwd=project).exit_code == 5  # a few lines of context are thin
    (project / ".briefpack.toml").write_text('skip_checks = ["thin-context"]\n')
    assert cli(args, cwd=project).exit_code == 0
    (project / ".briefpack.toml").write_text('skip_checks = ["thin"]\n')
    bad = cli(args, cwd=project)
    assert bad.exit_code == 1 and "names no check: 'thin'" in bad.stderr

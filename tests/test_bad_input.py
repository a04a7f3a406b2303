"""Every odd input gets a clear outcome: a one-line error with its exit code, or a reported skip.

Nothing here may produce a traceback, hang, or lose or corrupt a brief.
"""

from __future__ import annotations

import codecs
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import Result

from briefpack.brief.read import read_files
from tests.conftest import git, write_tree

CLI = Callable[..., Result]


def one_line_error(result: Result, code: int) -> None:
    assert result.exit_code == code, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert lines and lines[0].startswith("error: ")
    assert all(ln.startswith(("error: ", "hint: ", "warning: ")) for ln in lines)
    assert "Traceback" not in result.stderr


def raw(result: Result) -> str:
    """stdout exactly as written (Click's `.stdout` turns CRLF into LF)."""
    return result.stdout_bytes.decode("utf-8")


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("goal = 3\n", "key 'goal' must be a string"),
        ('warnings = "one"\n', "key 'warnings' must be a list of strings"),
        ("max_file_size = true\n", "key 'max_file_size' must be an integer"),
        ("[models.x]\nencoding = 1\n", "[models.\"x\"] key 'encoding' must be a string, not 1"),
        ("goal = 'unterminated\n", "invalid TOML"),
        ("\xff\xfe", "cannot read"),
    ],
)
def test_broken_or_mistyped_config(cli: CLI, git_repo: Path, text: str, needle: str) -> None:
    write_tree(git_repo, {"a.py": "x = 1\n"})
    (git_repo / ".briefpack.toml").write_bytes(text.encode("latin-1"))
    result = cli(["build", "--stdout"], cwd=git_repo)  # a model row is checked, used or not
    one_line_error(result, 1)
    assert needle in result.stderr and ".briefpack.toml" in result.stderr


@pytest.mark.parametrize(
    ("row", "args", "needle"),
    [
        (
            'context_window = "400k"',
            ["build", "--stdout"],
            "key 'context_window' must be an integer",
        ),
        ('price_input = "1.25"', ["send", "--dry-run"], "key 'price_input' must be a number"),
        ("max_output = 1.5", ["build", "--stdout"], "key 'max_output' must be an integer, not 1.5"),
        ('efforts = "high"', ["build", "--stdout"], "key 'efforts' must be a list of strings"),
        ("responses_only = 1", ["send", "--dry-run"], "key 'responses_only' must be true or false"),
        ('shutdown = "soon"', ["send", "--dry-run"], "key 'shutdown' must be a date as YYYY-MM-DD"),
    ],
)
def test_a_mistyped_model_row_is_a_one_line_error(
    cli: CLI, git_repo: Path, row: str, args: list[str], needle: str
) -> None:
    """Each key of a `[models."x"]` row, with the model selected (it once failed only then)."""
    window = "" if "context_window" in row else "context_window = 400000\n"
    config = f'[models."x"]\nencoding = "o200k_base"\n{window}{row}\n'
    write_tree(git_repo, {"a.py": "x = 1\n", ".briefpack.toml": config})
    result = cli([*args, "-m", "x", "-g", "g"], cwd=git_repo)
    one_line_error(result, 1)
    assert f'.briefpack.toml: [models."x"] {needle}' in result.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["-e", "bogus"], "--effort must be one of 'none', 'minimal', 'low', 'medium', 'high',"),
        (["--style", "html"], "--style must be one of 'markdown', 'xml', not 'html'"),
        (["--secrets", "leak"], "--secrets must be one of 'redact', 'block', 'allow', not 'leak'"),
    ],
)
def test_a_bad_flag_value_names_the_flag(
    cli: CLI, git_repo: Path, args: list[str], says: str
) -> None:
    result = cli(["build", "--stdout", *args], cwd=git_repo)
    one_line_error(result, 2)
    assert result.stderr.startswith(f"error: {says}")


def test_root_missing_or_a_file(cli: CLI, tmp_path: Path) -> None:
    one_line_error(cli(["build", "--stdout", str(tmp_path / "nope")]), 1)
    (tmp_path / "f.txt").write_text("x")
    result = cli(["build", "--stdout", str(tmp_path / "f.txt")])
    one_line_error(result, 1)
    assert "not a folder" in result.stderr


def test_init_on_a_file_says_it_is_not_a_folder(cli: CLI, git_repo: Path) -> None:
    write_tree(git_repo, {"README.md": "# demo\n"})
    result = cli(["init", "README.md"], cwd=git_repo)
    one_line_error(result, 1)
    assert result.stderr.startswith("error: not a folder: README.md\n")
    one_line_error(cli(["init", "nope"], cwd=git_repo), 1)
    assert not (git_repo / ".briefpack.toml").exists()


def test_empty_repo_and_binary_only_repo(cli: CLI, git_repo: Path) -> None:
    result = cli(["build", "--stdout", "-g", "x"], cwd=git_repo)
    assert result.exit_code == 0
    assert "no files to brief" in result.stderr
    write_tree(git_repo, {"a.bin": b"\x00\x01\x02", "img.png": b"\x89PNG\r\n\x1a\n\x00\x00"})
    result = cli(["build", "--stdout", "-g", "x"], cwd=git_repo)
    assert result.exit_code == 0
    assert "no files to brief" in result.stderr and "binary 2" in result.stderr
    assert "\x00" not in result.stdout


def test_a_2_gb_file_is_skipped_without_reading_it(cli: CLI, git_repo: Path) -> None:
    write_tree(git_repo, {"a.txt": "small\n"})
    with (git_repo / "huge.log").open("wb") as handle:
        handle.write(b"text at the start\n" * 500)
        handle.truncate(2 * 1024**3)  # sparse: costs no disk
    for flags in ([], ["--no-default-excludes"]):
        result = cli(["build", "--stdout", *flags], cwd=git_repo)
        assert result.exit_code == 0
        assert "small" in result.stdout and "text at the start" not in result.stdout
        assert "too large" in result.stderr


def test_a_file_that_vanishes_or_is_a_pipe(git_repo: Path) -> None:
    write_tree(git_repo, {"a.py": "x = 1\n"})
    os.mkfifo(git_repo / "pipe")
    files, skipped = read_files(git_repo, ["a.py", "gone.py", "pipe"], max_size=None)
    assert [f.path for f in files] == ["a.py"]
    assert [(s.path, s.reason) for s in skipped] == [("pipe", "not a regular file")]


def test_encodings_and_crlf(cli: CLI, git_repo: Path) -> None:
    write_tree(
        git_repo,
        {
            "latin.txt": "café naïve\n".encode("cp1252"),
            "mixed.txt": "ok ✓ then ".encode() + b"\xff bad\n",
            "crlf.txt": b"one\r\ntwo\r\n",
        },
    )
    result = cli(["build", "--stdout"], cwd=git_repo)
    assert result.exit_code == 0
    out = raw(result)
    assert "café naïve" in out
    assert "ok ✓ then \ufffd bad" in out
    assert "one\r\ntwo\r\n" in out
    assert "latin.txt: not UTF-8: decoded as cp1252" in result.stderr
    assert "mixed.txt: not UTF-8: 1 invalid byte(s)" in result.stderr


SQL = "CREATE TABLE café (id int);\r\n-- ✓\n"


def test_byte_order_marks_name_the_encoding_and_stay_out(cli: CLI, git_repo: Path) -> None:
    """A UTF-16 or UTF-32 dump (NUL bytes everywhere) is text when a byte order mark says so;
    a UTF-8 mark is dropped, not copied into the brief."""
    write_tree(
        git_repo,
        {
            "dump16.sql": SQL.encode("utf-16"),
            "dump16be.sql": codecs.BOM_UTF16_BE + SQL.encode("utf-16-be"),
            "dump32.sql": SQL.encode("utf-32"),
            "bom8.py": codecs.BOM_UTF8 + b"x = 1\n",
            "odd.bin": codecs.BOM_UTF16_LE + b"\x00\xd8\x00",  # a lone surrogate: not UTF-16
        },
    )
    result = cli(["build", "--stdout"], cwd=git_repo)
    assert result.exit_code == 0, result.stderr
    out = raw(result)
    assert out.count(SQL) == 3 and "\ufeff" not in out
    assert "```python\nx = 1\n```" in out
    for name, codec in [("dump16", "UTF-16"), ("dump16be", "UTF-16"), ("dump32", "UTF-32")]:
        assert f"{name}.sql: not UTF-8: decoded as {codec} (byte order mark)" in result.stderr
    assert "bom8.py: not UTF-8" not in result.stderr
    listed = cli(["ls", "--excluded"], cwd=git_repo).stdout
    assert "odd.bin  binary" in listed and "dump16.sql" not in listed


def test_bytes_cp1252_lacks_are_marked_as_utf8(cli: CLI, git_repo: Path) -> None:
    """As the README says: cp1252, or UTF-8 with the bad bytes marked; never latin-1's control
    characters."""
    write_tree(git_repo, {"old.txt": b"caf\xe9 \x81 \x9d end\n"})
    result = cli(["build", "--stdout"], cwd=git_repo)
    assert result.exit_code == 0, result.stderr
    assert "caf\ufffd \ufffd \ufffd end\n" in raw(result)
    assert "\x81" not in raw(result) and "\x9d" not in raw(result)
    assert "old.txt: not UTF-8: 3 invalid byte(s) shown as U+FFFD" in result.stderr


def test_symlink_loops_are_skipped_and_reported(cli: CLI, git_repo: Path) -> None:
    write_tree(git_repo, {"f.py": "x = 1\n", "d/g.py": "y = 2\n"})
    (git_repo / "self").symlink_to("self")
    (git_repo / "a").symlink_to("b")
    (git_repo / "b").symlink_to("a")
    (git_repo / "d" / "up").symlink_to("..")
    result = cli(["build", "--stdout"], cwd=git_repo)
    assert result.exit_code == 0
    assert "x = 1" in result.stdout and "y = 2" in result.stdout
    assert "symlink" in result.stderr


def as_user_without_read_override(args: list[str]) -> list[str]:
    """Run `args` so that permission bits apply: as root, drop the capabilities that bypass them."""
    if os.geteuid() != 0:
        return args
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: every file is readable")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--", *args]


def test_unreadable_files_and_folders(git_repo: Path) -> None:
    write_tree(git_repo, {"ok.py": "x = 1\n", "secret.py": "y\n", "locked/z.py": "z\n"})
    (git_repo / "secret.py").chmod(0)
    (git_repo / "locked").chmod(0)
    try:
        result = subprocess.run(
            as_user_without_read_override([sys.executable, "-m", "briefpack", "build", "--stdout"]),
            cwd=git_repo,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        (git_repo / "secret.py").chmod(0o644)
        (git_repo / "locked").chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert "x = 1" in result.stdout and "Traceback" not in result.stderr
    assert "unreadable 2" in result.stderr  # the file and the folder


def test_file_names_with_newlines_and_bad_bytes(cli: CLI, git_repo: Path) -> None:
    (git_repo / "new\nline.py").write_text("n = 1\n")
    (git_repo / os.fsdecode(b"bad\xffname.py")).write_text("b = 2\n")
    (git_repo / "sp ace ü.py").write_text("s = 3\n")
    result = cli(["build", "--stdout"], cwd=git_repo)
    assert result.exit_code == 0
    for text in ("n = 1", "b = 2", "s = 3", "new\\nline.py", "bad\\xffname.py", "sp ace ü.py"):
        assert text in result.stdout


def test_invalid_gitignore_patterns(cli: CLI, git_repo: Path, tmp_path: Path) -> None:
    write_tree(git_repo, {".gitignore": "[\n\\\n[z-a]\n!\n*.log\n", "a.py": "x\n", "b.log": "l\n"})
    inside = cli(["ls", "--json"], cwd=git_repo)
    assert inside.exit_code == 0, inside.stderr
    plain = tmp_path / "plain"
    shutil.copytree(git_repo, plain, ignore=shutil.ignore_patterns(".git"))
    outside = cli(["ls", "--json"], cwd=plain)
    assert outside.exit_code == 0, outside.stderr
    git_says = sorted(git(git_repo, "ls-files", "--others", "--exclude-standard").split())
    assert git_says == [".gitignore", "a.py"]
    for result in (inside, outside):
        assert "a.py" in result.stdout and "b.log" not in result.stdout


def test_missing_git_executable(git_repo: Path, tmp_path: Path) -> None:
    write_tree(git_repo, {"a.py": "x\n"})
    env = {**os.environ, "PATH": str(tmp_path / "empty-bin")}
    result = subprocess.run(
        [sys.executable, "-m", "briefpack", "build", "--stdout"],
        cwd=git_repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: git is not installed")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("damage", ["gitfile", "head"])
def test_corrupt_git(cli: CLI, tmp_path: Path, damage: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    if damage == "gitfile":
        (repo / ".git").write_text("gitdir: /nonexistent/place\n")
    else:
        git(repo, "init", "-q")
        (repo / ".git" / "HEAD").write_text("garbage\n")
    write_tree(repo, {"a.py": "x\n"})
    result = cli(["build", "--stdout"], cwd=repo)
    one_line_error(result, 1)
    assert "git" in result.stderr


def test_ctrl_c_never_leaves_half_a_brief(git_repo: Path, tmp_path: Path) -> None:
    for n in range(300):
        write_tree(git_repo, {f"pkg/m{n}.py": f"def f{n}(x):\n    return x + {n}\n" * 800})
    out = tmp_path / "out" / "brief.md"
    out.parent.mkdir()
    env = {**os.environ, "BRIEFPACK_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefpack", "build", "-o", str(out), "--budget", "99999999"],
        cwd=git_repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert "Traceback" not in stderr
    # 130: stopped by briefpack; 0: it finished first; -SIGINT: the signal landed while Python
    # was already shutting down, after the output was complete
    assert proc.returncode in (0, 130, -signal.SIGINT), stderr
    if out.exists():  # whatever the moment, a brief on disk is a whole one
        assert out.read_text().rstrip().endswith("```")
    assert sorted(p.name for p in out.parent.iterdir()) == (["brief.md"] if out.exists() else [])


NAME = st.text(alphabet="abcXYZ019 _-é", min_size=1, max_size=8).map(lambda s: "f" + s.strip())
CONTENT = st.text(alphabet="ab \n\r\t`~<>/&#-éλ😀{}", max_size=300)
BINARY = st.binary(max_size=40).map(lambda b: b"\x00" + b)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    tree=st.dictionaries(
        st.lists(NAME, min_size=1, max_size=3).map("/".join),
        st.one_of(CONTENT, CONTENT.map(lambda t: t + "</file>"), BINARY),
        max_size=8,
    ),
    style=st.sampled_from(["markdown", "xml"]),
)
def test_random_trees_build_verbatim_or_fail_cleanly(
    cli: CLI, tmp_path_factory: pytest.TempPathFactory, tree: dict[str, str | bytes], style: str
) -> None:
    repo = tmp_path_factory.mktemp("random")
    git(repo, "init", "-q")
    written: dict[str, str | bytes] = {}
    for path, content in tree.items():
        if any(path.startswith(other + "/") or other.startswith(path + "/") for other in written):
            continue  # a name cannot be a file and a folder at once
        write_tree(repo, {path: content})
        written[path] = content
    result = cli(["build", "--stdout", "--style", style, "-g", "g"], cwd=repo)
    if result.exit_code != 0:
        one_line_error(result, result.exit_code)
        return
    out = raw(result)
    for path, content in written.items():
        if isinstance(content, str):
            assert content in out, path
        else:
            assert path in result.stderr or "binary" in result.stderr


@pytest.mark.parametrize(
    ("config", "args", "says"),
    [
        ("", ["send", "--max-output-tokens", "0"], "--max-output-tokens must be 1 or more, not 0"),
        (
            "",
            ["send", "--max-output-tokens", "-5"],
            "--max-output-tokens must be 1 or more, not -5",
        ),
        ("max_output_tokens = 0", ["send"], "key 'max_output_tokens' must be 1 or more, not 0"),
        ("", ["send", "-m", "o3", "--max-output-tokens", "100001"], "over o3's maximum output"),
        ("max_output_tokens = 100001", ["send", "-m", "o3"], "over o3's maximum output of 100,000"),
        ("", ["build", "--budget", "0"], "--budget must be 1 or more, not 0"),
        ("budget = -5", ["build"], ".briefpack.toml: key 'budget' must be 1 or more, not -5"),
        ("", ["build", "--log", "-3"], "--log must be 0 or more, not -3"),
        ("log = -3", ["build"], ".briefpack.toml: key 'log' must be 0 or more, not -3"),
        (
            "schema_timeout = -1\nschema_commands = ['echo CREATE TABLE t (id int);']",
            ["build"],
            ".briefpack.toml: key 'schema_timeout' must be more than 0, not -1",
        ),
        ("", ["send", "--max-cost", "-1"], "--max-cost must be 0 or more, not -1"),
        ("max_cost = -1", ["send"], ".briefpack.toml: key 'max_cost' must be 0 or more, not -1"),
        ("", ["stats", "--top", "-1"], "--top must be 0 or more, not -1"),
    ],
)
def test_a_number_out_of_range_is_a_usage_error(
    cli: CLI, git_repo: Path, config: str, args: list[str], says: str
) -> None:
    """In a flag or in the config file: exit 2 and one line, not a surprising brief or request."""
    write_tree(git_repo, {"a.py": "x = 1\n", ".briefpack.toml": config + "\n"})
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "one")
    more = {"send": ["--dry-run"], "build": ["--stdout"]}.get(args[0], [])
    result = cli([*args, *more, "-g", "g"], cwd=git_repo)
    assert result.exit_code == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and says in errors[0], result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_file_that_grew_since_its_size_was_taken_is_read_whole() -> None:
    """Reading asks for one byte more than fstat's size, and reads on when it gets it all: a
    file written to meanwhile is not cut at its old size (a pipe stands in for it here)."""
    from briefpack.brief.read import _read_up_to

    read_end, write_end = os.pipe()
    os.write(write_end, b"0123456789")
    os.close(write_end)
    try:
        assert _read_up_to(read_end, 100, expect=3) == b"0123456789"
    finally:
        os.close(read_end)
    read_end, write_end = os.pipe()
    os.write(write_end, b"0123456789")
    os.close(write_end)
    try:
        assert _read_up_to(read_end, 6, expect=3) == b"012345"  # never more than asked
    finally:
        os.close(read_end)


def test_a_file_handed_out_in_pieces_is_read_to_its_end() -> None:
    """A file whose stat says 0 (as /proc's) gives its text in pieces: a short read is its end
    only once fstat's size is in; short of it, reading goes on to an empty read."""
    import threading

    from briefpack.brief.read import _read_up_to

    read_end, write_end = os.pipe()

    def write() -> None:
        os.write(write_end, b"01234")
        time.sleep(0.2)  # the reader has the first piece, short of what it asked for
        os.write(write_end, b"56789")
        os.close(write_end)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        assert _read_up_to(read_end, 100, expect=0) == b"0123456789"
    finally:
        writer.join()
        os.close(read_end)


def test_without_o_nofollow_a_link_is_still_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where the platform has no O_NOFOLLOW (Windows), a link is found by lstat instead: one
    leaving the root is still refused, one inside still read."""
    from briefpack.brief import read

    monkeypatch.setattr(read, "_NO_FOLLOW", 0)
    root = tmp_path / "repo"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("outside\n")
    (root / "away.txt").symlink_to(tmp_path / "secret.txt")
    (root / "here.txt").write_text("inside\n")
    (root / "link.txt").symlink_to("here.txt")
    files, skipped = read.read_files(root, ["away.txt", "link.txt", "gone.txt"], max_size=None)
    assert [(s.path, s.reason) for s in skipped] == [("away.txt", "symlink leaves the root")]
    assert [(f.path, f.text) for f in files] == [("link.txt", "inside\n")]

"""Discovery: git is the oracle for which files are candidates; each left-out file says why."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import Result

from briefpack.brief.config import Config
from briefpack.brief.discover import DEFAULT_RULES, compile_names, discover
from tests.conftest import git, write_tree

CLI = Callable[..., Result]

NAMES = ["a", "b.log", "c.txt", "keep.log", "sp ace.md", "ü.py", ".hidden", "x#", "d.py"]
DIRS = ["", "d1", "d1/d2", "d3", "d1/d2/d4", "build"]
PATTERNS = [
    "*.log",
    "!keep.log",
    "/a",
    "d2/",
    "**/c.txt",
    "b*",
    "\\#x",
    "x\\#",
    "sp\\ ace.md",
    "d1/**/d.py",
    "*.txt",
    "!d1/*.txt",
    "[ab]*",
    "?.py",
    "build",
    "!build/keep.log",
    "d4",
    "/*.md",
    "*.py ",
    "# a comment",
    "",
    "**/",
    "!**/d.py",
]


def oracle(repo: Path, *extra: str) -> set[str]:
    """What git itself lists: tracked plus untracked-not-ignored, minus worktree deletions."""
    out = subprocess.run(
        ["git", *extra, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    listed = {os.fsdecode(p) for p in out.split(b"\0") if p}
    return {p for p in listed if (repo / p).exists() or (repo / p).is_symlink()}


def candidates(root: Path) -> set[str]:
    found = discover(root, Config(), default_excludes=False)
    return {p for p in found.paths if (root / p).exists() or (root / p).is_symlink()}


tree_strategy = st.fixed_dictionaries(
    {
        "files": st.lists(st.tuples(st.sampled_from(DIRS), st.sampled_from(NAMES)), max_size=25),
        "ignores": st.dictionaries(
            st.sampled_from(DIRS), st.lists(st.sampled_from(PATTERNS), max_size=6), max_size=4
        ),
        "info_exclude": st.lists(st.sampled_from(PATTERNS), max_size=3),
        "global_ignore": st.lists(st.sampled_from(PATTERNS), max_size=3),
        "tracked_first": st.booleans(),
        "delete_one": st.booleans(),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=tree_strategy)
def test_candidates_are_exactly_what_git_lists(
    spec: dict, tmp_path_factory: pytest.TempPathFactory
) -> None:
    repo = tmp_path_factory.mktemp("oracle")
    git(repo, "init", "-q")
    files = {f"{d}/{n}".lstrip("/"): f"{d} {n}\n" for d, n in spec["files"]}
    files = {p: t for p, t in files.items() if not any(o.startswith(p + "/") for o in files)}
    write_tree(repo, files)
    if spec["tracked_first"] and files:
        git(repo, "add", "-f", "-A")  # tracked files stay candidates even once ignored
    for folder, lines in spec["ignores"].items():
        target = repo / folder / ".gitignore"
        if target.parent.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n")
    (repo / ".git" / "info" / "exclude").write_text("\n".join(spec["info_exclude"]) + "\n")
    xdg_ignore = Path(os.environ["XDG_CONFIG_HOME"]) / "git" / "ignore"
    xdg_ignore.parent.mkdir(parents=True, exist_ok=True)
    xdg_ignore.write_text("\n".join(spec["global_ignore"]) + "\n")
    if spec["delete_one"] and spec["tracked_first"] and files:
        (repo / sorted(files)[0]).unlink()
    assert candidates(repo) == oracle(repo)

    # Outside git, the .gitignore files found are applied the same way git would apply them.
    plain = tmp_path_factory.mktemp("plain")
    shutil.copytree(repo, plain, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".git"))
    check = tmp_path_factory.mktemp("check")
    shutil.copytree(plain, check, dirs_exist_ok=True)
    git(check, "init", "-q")
    assert candidates(plain) == oracle(check, "-c", "core.excludesFile=/dev/null")


@pytest.mark.parametrize("in_git", [True, False])
def test_wildcards_match_bytes_as_git_does(tmp_path: Path, in_git: bool) -> None:
    """`?` is one byte in git's wildmatch: `?.py` leaves `ü.py` (two bytes) in; `??.py` takes
    it out; `.briefpackignore` follows the same rule. Found by the property test above."""
    root = tmp_path / "tree"
    write_tree(
        root,
        {
            ".gitignore": "?.py\n",
            "sub/.gitignore": "??.txt\n",
            ".briefpackignore": "?.md\n[é].md\n",  # a class is one byte too
            "a.py": "x\n",
            "ü.py": "x\n",
            "sub/ü.txt": "x\n",
            "sub/ab.txt": "x\n",
            "é.md": "x\n",
            "e.md": "x\n",
        },
    )
    if in_git:
        git(root, "init", "-q")
    kept = {".gitignore", "sub/.gitignore", ".briefpackignore", "ü.py", "é.md"}
    assert candidates(root) == kept


def test_core_excludes_file_is_honoured(git_repo: Path, tmp_path: Path) -> None:
    ignore = tmp_path / "my-ignore"
    ignore.write_text("*.secret-notes\n")
    git(git_repo, "config", "core.excludesFile", str(ignore))
    write_tree(git_repo, {"a.py": "x\n", "b.secret-notes": "y\n"})
    assert candidates(git_repo) == {"a.py"} == oracle(git_repo)


def test_a_submodule_is_skipped_and_said(git_repo: Path, tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    git(sub, "init", "-q")
    write_tree(sub, {"inner.py": "i\n"})
    git(sub, "add", "-A")
    git(sub, "commit", "-qm", "sub")
    write_tree(git_repo, {"a.py": "x\n"})
    git(git_repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub), "vendor")
    found = discover(git_repo, Config())
    assert "vendor" not in found.paths and "a.py" in found.paths
    assert [(s.path, s.reason) for s in found.skipped] == [("vendor", "submodule")]
    inside = discover(git_repo, Config(submodules=True))
    assert "vendor/inner.py" in inside.paths and inside.skipped == ()


@pytest.fixture
def zoo(git_repo: Path, tmp_path: Path) -> Path:
    """One file for every reason a file can be left out."""
    outside = tmp_path / "outside.txt"
    outside.write_text("far away\n")
    write_tree(
        git_repo,
        {
            ".gitignore": "*.log\n",
            ".briefpackignore": "docs/\n",
            ".briefpack.toml": 'exclude = ["generated/"]\n',
            "app.py": "x = 1\n",
            "docs/guide.md": "g\n",
            "generated/out.py": "o\n",
            "scratch.py": "s\n",
            "package-lock.json": "{}\n",
            "web/app.min.js": "m\n",
            ".env": "K=V\n",
            "logo.png": b"\x89PNG\r\n\x1a\n\x00\x00",
            "big.txt": "x" * 1_200_000,
            "debug.log": "l\n",
        },
    )
    (git_repo / "away.txt").symlink_to(outside)
    (git_repo / "loop").symlink_to("loop")
    return git_repo


REASONS = {
    "docs/guide.md": ("excluded", ".briefpackignore:1:docs/"),
    "generated/out.py": ("excluded", "exclude:1:generated/"),
    "scratch.py": ("excluded", "exclude:2:scratch.py"),
    "package-lock.json": ("default: lockfile", "default:lockfile"),
    "web/app.min.js": ("default: minified", "default:minified"),
    ".env": ("default: env", "default:env"),
    "logo.png": ("binary", ""),
    "big.txt": ("size 1.2 MB > 1.0 MB", "default:size"),
    "away.txt": ("symlink leaves the root", ""),
    "loop": ("symlink loop", ""),
}


def test_ls_excluded_gives_every_reason_and_source(cli: CLI, zoo: Path) -> None:
    result = cli(["ls", "--excluded", "--json", "-x", "scratch.py"], cwd=zoo)
    assert result.exit_code == 0, result.stderr
    rows = {r["path"]: (r["reason"], r["source"]) for r in json.loads(result.stdout)}
    assert {p: rows.get(p) for p in REASONS} == REASONS
    text = cli(["ls", "--excluded", "-x", "scratch.py"], cwd=zoo).stdout
    assert "docs/guide.md  excluded  [.briefpackignore:1:docs/]" in text
    assert "logo.png  binary" in text


def test_ls_why_answers_for_one_path(cli: CLI, zoo: Path) -> None:
    def why(path: str) -> dict:
        result = cli(["ls", "--why", path, "--json"], cwd=zoo)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    assert why("app.py")["included"] is True
    assert why("debug.log") == {
        "path": "debug.log",
        "included": False,
        "reason": "ignored by git",
        "source": ".gitignore:1:*.log",
    }
    assert why("docs/guide.md")["source"] == ".briefpackignore:1:docs/"
    assert why("missing.py")["reason"] == "no such file"
    line = cli(["ls", "--why", "package-lock.json"], cwd=zoo).stdout
    assert line == "package-lock.json: left out: default: lockfile [default:lockfile]\n"
    sub = cli(["ls", "--why", "guide.md", str(zoo)], cwd=zoo / "docs")
    assert "docs/guide.md: left out: excluded" in sub.stdout


def test_not_included_by_an_include_glob(cli: CLI, git_repo: Path) -> None:
    write_tree(git_repo, {"src/a.py": "a\n", "tests/t.py": "t\n"})
    result = cli(["ls", "--excluded", "--json", "-i", "src/**"], cwd=git_repo)
    rows = {r["path"]: r["reason"] for r in json.loads(result.stdout)}
    assert rows == {"tests/t.py": "not included"}


def test_build_ls_and_stats_never_import_openai_nor_pydantic(git_repo: Path) -> None:
    """Only `send` needs the SDK; pydantic (the SDK's, and Typer's from 0.29) costs every
    command its import before any work."""
    write_tree(git_repo, {"a.py": "x = 1\n"})
    probe = (
        "import sys\n"
        "from briefpack.cli.app import main\n"
        "sys.argv = ['briefpack', *sys.argv[1:]]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "loaded = sorted({'openai', 'pydantic'} & sys.modules.keys())\n"
        "sys.stderr.write('LOADED=' + ','.join(loaded))\n"
    )
    for args in (["build", "--stdout"], ["ls"], ["stats"], ["snapshot", "--check"]):
        done = subprocess.run(
            [sys.executable, "-c", probe, *args], cwd=git_repo, capture_output=True, text=True
        )
        assert done.stderr.endswith("LOADED="), (args, done.stderr)


DEFAULT_NAMES = [p for patterns in DEFAULT_RULES.values() for p in patterns]
NAME_PARTS = [
    "package-lock.json",
    "yarn.lock",
    ".env",
    ".env.",
    "a.env",
    "app.min.js",
    "x",
    ".",
    "\n",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(NAME_PARTS) | st.text(max_size=6), min_size=1, max_size=4))
def test_default_names_match_as_fnmatch_does(parts: list[str]) -> None:
    """fnmatch is the oracle for the default rules' names, whatever the name holds."""
    name = "".join(parts)
    expected = any(fnmatch.fnmatchcase(name, p) for p in DEFAULT_NAMES)
    assert bool(compile_names(DEFAULT_NAMES).fullmatch(name)) is expected


def test_fnmatch_translations_are_used_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.14's `translate` ends with `\\z`, not `\\Z`: nothing may depend on its shape.
    Here every translation comes wrapped in a group (valid before 3.14, unlike `\\z`)."""
    real = fnmatch.translate
    monkeypatch.setattr(fnmatch, "translate", lambda pattern: f"(?:{real(pattern)})")
    wrapped = compile_names(DEFAULT_NAMES)
    for name in ["package-lock.json", "x.package-lock.json", ".env.local", "app.min.js", "app.js"]:
        expected = any(fnmatch.fnmatchcase(name, p) for p in DEFAULT_NAMES)
        assert bool(wrapped.fullmatch(name)) is expected, name


def test_default_rules_apply_at_any_depth(git_repo: Path) -> None:
    write_tree(
        git_repo,
        {
            "web/dist/app.min.js": "x\n",
            "svc/.env.local/key.txt": "k\n",
            "svc/prod.env": "k\n",
            "deep/er/yarn.lock": "l\n",
            "yarn.lock.md": "kept\n",
            "envy/.envrc": "kept\n",
            "min.js/app.js": "kept\n",
        },
    )
    found = discover(git_repo, Config())
    assert found.paths == ("envy/.envrc", "min.js/app.js", "yarn.lock.md")
    assert {s.path: s.reason for s in found.skipped} == {
        "deep/er/yarn.lock": "default: lockfile",
        "svc/.env.local/key.txt": "default: env",
        "svc/prod.env": "default: env",
        "web/dist/app.min.js": "default: minified",
    }


GLOB_PARTS = ["a", "b", "*", "**", "?", "[ab]", ".md", "x.py", "docs", "!", "/", "\\*", " "]
PATH_PARTS = ["a", "b", "x.py", "docs", "ab", "a.md", "é", "*", " ", ".hidden", "b.md"]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    globs=st.lists(
        st.lists(st.sampled_from(GLOB_PARTS), min_size=1, max_size=5).map("".join), max_size=4
    ),
    paths=st.lists(
        st.lists(st.sampled_from(PATH_PARTS), min_size=1, max_size=4).map("/".join),
        min_size=1,
        max_size=8,
    ),
)
def test_gathering_globs_decide_as_pathspec_does(globs: list[str], paths: list[str]) -> None:
    """notes, schema, include and priority globs are asked of every path through their
    regexes (gather._spec): each path is decided as pathspec's GitIgnoreSpec decides it,
    negated globs included."""
    import pathspec

    from briefpack.brief.gather import _spec

    try:
        spec = pathspec.GitIgnoreSpec.from_lines(globs)
    except (ValueError, re.error):
        return  # not a glob list config would take either
    matches = _spec(globs)
    for path in paths:
        assert matches(path) == spec.match_file(path), (globs, path)


@given(
    st.lists(
        st.lists(st.text("ab-. é\x01", min_size=1, max_size=3), min_size=1, max_size=3).map(
            "/".join
        ),
        max_size=12,
    )
)
def test_paths_sort_folder_by_folder(paths: list[str]) -> None:
    """sort_key orders paths as the tuples of their parts: a folder's files together (`a/x`
    before `a-b/x`, though `-` sorts before `/`), shorter first."""
    from briefpack.brief.discover import sort_key

    assert sorted(paths, key=sort_key) == sorted(paths, key=lambda p: tuple(p.split("/")))


@given(st.lists(st.binary(min_size=0, max_size=8), max_size=8))
def test_git_output_is_split_as_each_path_would_be_decoded(items: list[bytes]) -> None:
    """split_z decodes git's NUL-separated output at once: each path as os.fsdecode decodes it
    alone, undecodable bytes kept (a broken character just before a NUL included)."""
    from briefpack.git import split_z

    items = [i.replace(b"\0", b"") for i in items]
    assert split_z(b"\0".join(items)) == [os.fsdecode(i) for i in items if i]

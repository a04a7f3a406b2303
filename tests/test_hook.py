"""The snapshot and the pre-commit hook, with real `git commit` in temporary repositories."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from briefpack.snapshot import hook
from tests.conftest import git, write_tree
from tests.secretset.values import Rand, checksummed

CLI = Callable[..., Result]
SNAP = ".briefpack/context.md"
MANIFEST = ".briefpack/context.json"


def commit(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """A real `git commit`, hooks and all; returns the finished process."""
    return subprocess.run(
        ["git", "commit", "-q", *args], cwd=repo, capture_output=True, text=True, check=False
    )


def user_hook(repo: Path, script: str, mode: int = 0o755) -> Path:
    """A pre-commit hook of the user's own (another tool's) in `repo`; its hooks folder."""
    hooks = repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "pre-commit").write_text(script)
    (hooks / "pre-commit").chmod(mode)
    return hooks


def at_head(repo: Path, path: str) -> str:
    return git(repo, "show", f"HEAD:{path}")


@pytest.fixture
def repo(git_repo: Path, cli: CLI) -> Path:
    write_tree(git_repo, {"app.py": "VERSION = 1\n", "README.md": "# Demo\n"})
    git(git_repo, "add", "-A")
    result = cli(["hook", "install", "--no-snapshot"], cwd=git_repo)
    assert result.exit_code == 0, result.stderr
    assert not (git_repo / SNAP).exists()  # the first commit writes it
    return git_repo


def test_install_writes_the_first_snapshot_and_the_first_commit_reuses_it(
    git_repo: Path, cli: CLI
) -> None:
    """Issue 20: the first snapshot is made at install, where a terminal shows its progress
    (tests/test_progress.py), not at the first commit; that commit stages it, unchanged."""
    many_modules(git_repo, 12)
    installed = cli(["hook", "install"], cwd=git_repo)
    assert installed.exit_code == 0 and "first snapshot: " in installed.stderr
    written = (git_repo / SNAP).read_bytes()
    assert git(git_repo, "ls-files", ".briefpack") == ""  # written, not staged
    done = commit(git_repo, "-m", "first")
    assert done.returncode == 0 and "snapshot unchanged" in done.stderr
    assert at_head(git_repo, SNAP).encode() == written
    assert cli(["snapshot", "--check"], cwd=git_repo).exit_code == 0


def test_commit_writes_and_commits_snapshot_and_manifest(repo: Path) -> None:
    done = commit(repo, "-m", "first")
    assert done.returncode == 0, done.stderr
    text = at_head(repo, SNAP)
    assert "VERSION = 1" in text and "# Demo" in text
    manifest = json.loads(at_head(repo, MANIFEST))
    assert [f["path"] for f in manifest["files"]] == ["README.md", "app.py"]
    assert manifest["total_tokens"] > sum(f["tokens"] for f in manifest["files"])
    assert "Goal" not in text  # the context part only
    assert git(repo, "status", "--porcelain") == ""


def test_only_staged_content_is_reflected(repo: Path) -> None:
    (repo / "app.py").write_text("VERSION = 2  # staged\n")
    git(repo, "add", "app.py")
    (repo / "app.py").write_text("VERSION = 3  # not staged\n")
    (repo / "scratch.py").write_text("untracked = True\n")
    assert commit(repo, "-m", "partial").returncode == 0
    text = at_head(repo, SNAP)
    assert "VERSION = 2" in text
    assert "VERSION = 3" not in text and "untracked" not in text
    assert (repo / "app.py").read_text() == "VERSION = 3  # not staged\n"  # the work tree is kept


def test_commit_a_and_commit_paths_use_the_index_being_committed(repo: Path) -> None:
    assert commit(repo, "-m", "first").returncode == 0
    (repo / "app.py").write_text("VERSION = 4\n")
    assert commit(repo, "-a", "-m", "all").returncode == 0
    assert "VERSION = 4" in at_head(repo, SNAP)
    (repo / "app.py").write_text("VERSION = 5\n")
    assert commit(repo, "-m", "one path", "app.py").returncode == 0
    assert "VERSION = 5" in at_head(repo, SNAP)
    assert git(repo, "status", "--porcelain") == ""  # the user's index holds it too


def test_unchanged_tree_keeps_the_snapshot_byte_identical(repo: Path) -> None:
    assert commit(repo, "-m", "first").returncode == 0
    first = (repo / SNAP).read_bytes(), (repo / MANIFEST).read_bytes()
    assert commit(repo, "--allow-empty", "-m", "again").returncode == 0
    assert commit(repo, "--allow-empty", "-m", "and again").returncode == 0
    assert ((repo / SNAP).read_bytes(), (repo / MANIFEST).read_bytes()) == first
    assert git(repo, "diff", "--stat", "HEAD~2", "HEAD") == ""


def test_check_detects_a_stale_or_missing_snapshot(repo: Path, cli: CLI) -> None:
    assert commit(repo, "-m", "first").returncode == 0
    assert cli(["snapshot", "--check"], cwd=repo).exit_code == 0
    (repo / "app.py").write_text("VERSION = 9\n")
    git(repo, "add", "app.py")
    stale = cli(["snapshot", "--check"], cwd=repo)
    assert stale.exit_code == 5 and "snapshot is stale" in stale.stderr
    (repo / SNAP).unlink()
    missing = cli(["snapshot", "--check"], cwd=repo)
    assert missing.exit_code == 5 and "snapshot is missing" in missing.stderr


def test_a_foreign_hook_is_chained_and_restored(git_repo: Path, cli: CLI) -> None:
    foreign = '#!/bin/sh\necho ran >> "$(git rev-parse --git-dir)/foreign-ran"\n'
    hooks = user_hook(git_repo, foreign)
    write_tree(git_repo, {"a.py": "x = 1\n"})
    git(git_repo, "add", "-A")
    installed = cli(["hook", "install"], cwd=git_repo)
    assert "runs first" in installed.stderr
    assert commit(git_repo, "-m", "c").returncode == 0
    assert (git_repo / ".git" / "foreign-ran").read_text() == "ran\n"
    assert "x = 1" in at_head(git_repo, SNAP)
    again = cli(["hook", "install"], cwd=git_repo)
    assert "already installed" in again.stderr  # idempotent: the chained hook is not chained twice
    assert cli(["hook", "uninstall"], cwd=git_repo).exit_code == 0
    assert (hooks / "pre-commit").read_text() == foreign
    assert not (hooks / hook.CHAINED).exists()
    assert "not installed" in cli(["hook", "status"], cwd=git_repo).stdout


def test_a_failing_foreign_hook_still_blocks_the_commit(git_repo: Path, cli: CLI) -> None:
    user_hook(git_repo, "#!/bin/sh\necho 'lint failed' >&2\nexit 1\n")
    write_tree(git_repo, {"a.py": "x = 1\n"})
    git(git_repo, "add", "-A")
    cli(["hook", "install"], cwd=git_repo)
    done = commit(git_repo, "-m", "c")
    assert done.returncode != 0 and "lint failed" in done.stderr


def test_force_sets_the_foreign_hook_aside(git_repo: Path, cli: CLI) -> None:
    hooks = user_hook(git_repo, "#!/bin/sh\nexit 1\n")
    result = cli(["hook", "install", "--force"], cwd=git_repo)
    assert result.exit_code == 0 and hook.REPLACED in result.stderr
    assert (hooks / hook.REPLACED).read_text() == "#!/bin/sh\nexit 1\n"
    assert not os.access(hooks / hook.REPLACED, os.X_OK)
    write_tree(git_repo, {"a.py": "x = 1\n"})
    git(git_repo, "add", "-A")
    assert commit(git_repo, "-m", "c").returncode == 0


def test_uninstall_puts_back_the_hook_force_set_aside(git_repo: Path, cli: CLI) -> None:
    mine = '#!/bin/sh\necho mine >> "$(git rev-parse --git-dir)/mine-ran"\n'
    hooks = user_hook(git_repo, mine, mode=0o750)
    assert cli(["hook", "install", "--force", "--no-snapshot"], cwd=git_repo).exit_code == 0
    result = cli(["hook", "uninstall"], cwd=git_repo)
    assert result.exit_code == 0, result.stderr
    assert f"put back the one `hook install --force` had set aside as {hook.REPLACED}" in (
        result.stderr
    )
    assert (hooks / "pre-commit").read_text() == mine and not (hooks / hook.REPLACED).exists()
    assert os.access(hooks / "pre-commit", os.X_OK)  # runnable again: git runs it
    write_tree(git_repo, {"a.py": "x = 1\n"})
    git(git_repo, "add", "-A")
    assert commit(git_repo, "-m", "c").returncode == 0
    assert (git_repo / ".git" / "mine-ran").read_text() == "mine\n"
    assert SNAP not in git(git_repo, "ls-files")


def test_uninstall_leaves_other_hooks_alone(git_repo: Path, cli: CLI) -> None:
    hooks = git_repo / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    result = cli(["hook", "uninstall"], cwd=git_repo)
    assert result.exit_code == 0 and "nothing changed" in result.stderr
    assert (hooks / "pre-commit").read_text() == "#!/bin/sh\nexit 0\n"


def test_core_hooks_path_is_respected(git_repo: Path, cli: CLI) -> None:
    git(git_repo, "config", "core.hooksPath", ".githooks")
    write_tree(git_repo, {"a.py": "x = 1\n"})
    git(git_repo, "add", "-A")
    assert cli(["hook", "install"], cwd=git_repo).exit_code == 0
    assert hook.MARKER in (git_repo / ".githooks" / "pre-commit").read_text()
    assert commit(git_repo, "-m", "c").returncode == 0
    assert "x = 1" in at_head(git_repo, SNAP)


def test_works_in_a_linked_worktree(repo: Path, tmp_path: Path) -> None:
    assert commit(repo, "-m", "first").returncode == 0
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", "-b", "side", str(linked))
    (linked / "app.py").write_text("VERSION = 'side'\n")
    git(linked, "add", "app.py")
    assert commit(linked, "-m", "side").returncode == 0
    assert "VERSION = 'side'" in at_head(linked, SNAP)
    assert "VERSION = 1" in at_head(repo, SNAP)


def branch_and_merge(repo: Path, ours: dict[str, str], theirs: dict[str, str]) -> Result:
    """Two branches from one commit, each changing files and committing (the hook runs), then
    the second merged into the first; returns `git merge`'s outcome."""
    assert commit(repo, "-m", "base").returncode == 0
    git(repo, "checkout", "-q", "-b", "side")
    write_tree(repo, theirs)
    git(repo, "add", "-A")
    assert commit(repo, "-m", "side").returncode == 0
    git(repo, "checkout", "-q", "-")
    write_tree(repo, ours)
    git(repo, "add", "-A")
    assert commit(repo, "-m", "ours").returncode == 0
    return subprocess.run(
        ["git", "merge", "--no-edit", "side"], cwd=repo, capture_output=True, text=True
    )


def test_a_merge_never_conflicts_in_the_snapshot(repo: Path, cli: CLI) -> None:
    merged = branch_and_merge(repo, {"app.py": "VERSION = 2\n"}, {"README.md": "# Demo, side\n"})
    assert merged.returncode == 0, merged.stdout + merged.stderr  # without the driver: CONFLICT
    assert len(git(repo, "rev-list", "--parents", "-1", "HEAD").split()) == 3  # a merge commit
    assert "VERSION = 2" in at_head(repo, SNAP)  # this side's: git wrote the tree before any hook
    (repo / "app.py").write_text("VERSION = 3\n")
    git(repo, "add", "app.py")
    assert commit(repo, "-m", "after the merge").returncode == 0
    text = at_head(repo, SNAP)
    assert "VERSION = 3" in text and "# Demo, side" in text  # both sides again
    assert cli(["snapshot", "--check"], cwd=repo).exit_code == 0


def test_a_merge_resolved_by_hand_is_snapshotted_at_its_commit(repo: Path, cli: CLI) -> None:
    merged = branch_and_merge(repo, {"app.py": "VERSION = 2\n"}, {"app.py": "VERSION = 3\n"})
    assert (
        merged.returncode != 0 and "CONFLICT (content): Merge conflict in app.py" in merged.stdout
    )
    assert "conflict in .briefpack" not in merged.stdout  # the snapshot itself never conflicts
    (repo / "app.py").write_text("VERSION = 4\n")
    git(repo, "add", "app.py")
    assert commit(repo, "--no-edit").returncode == 0
    assert "VERSION = 4" in at_head(repo, SNAP)
    assert cli(["snapshot", "--check"], cwd=repo).exit_code == 0


def test_uninstall_removes_the_merge_driver_and_keeps_other_attributes(
    repo: Path, cli: CLI
) -> None:
    attributes = repo / ".git" / "info" / "attributes"
    assert "/.briefpack/context.json merge=briefpack-snapshot" in attributes.read_text()
    assert git(repo, "config", "merge.briefpack-snapshot.driver").strip() == "true"
    with attributes.open("ab") as f:
        f.write(b"*.bin binary\n/caf\xe9.txt -diff\n")  # a user's lines, one not UTF-8
    assert cli(["hook", "install"], cwd=repo).exit_code == 0  # again: no line twice
    assert attributes.read_bytes().count(b"merge=briefpack-snapshot") == 2
    status = cli(["hook", "status"], cwd=repo).stdout
    assert "merge driver: /.briefpack/context.md, /.briefpack/context.json never conflict" in status
    assert cli(["hook", "uninstall"], cwd=repo).exit_code == 0
    assert "merge driver: not set" in cli(["hook", "status"], cwd=repo).stdout
    assert attributes.read_bytes() == b"*.bin binary\n/caf\xe9.txt -diff\n"
    assert "briefpack" not in (repo / ".git" / "config").read_text()


def test_the_attributes_file_is_replaced_whole_keeping_its_mode(repo: Path, cli: CLI) -> None:
    """`.git/info/attributes` goes through the one atomic write: git never reads half of it."""
    attributes = repo / ".git" / "info" / "attributes"
    attributes.chmod(0o640)
    for command in (["hook", "install"], ["hook", "uninstall"]):
        before = attributes.stat().st_ino
        assert cli(command, cwd=repo).exit_code == 0
        assert attributes.stat().st_ino != before, command
        assert stat.S_IMODE(attributes.stat().st_mode) == 0o640, command
    assert sorted(p.name for p in attributes.parent.iterdir()) == ["attributes", "exclude"]


def test_broken_config_warns_and_the_commit_goes_through(repo: Path) -> None:
    (repo / ".briefpack.toml").write_text("goal = [broken\n")
    git(repo, "add", ".briefpack.toml")
    done = commit(repo, "-m", "broken config")
    assert done.returncode == 0
    assert "briefpack snapshot failed, commit goes on" in done.stderr
    assert "invalid TOML" in done.stderr
    assert "Traceback" not in done.stderr


def test_strict_blocks_the_commit_on_failure(repo: Path) -> None:
    secret = "ghp_" + "A1b2C3d4" * 4 + "Zz9Y"
    write_tree(
        repo,
        {
            ".briefpack.toml": 'strict = true\nsecrets = "block"\n',
            "cfg.py": f'TOKEN = "{secret}"\n',
        },
    )
    git(repo, "add", "-A")
    done = commit(repo, "-m", "leak")
    assert done.returncode != 0  # git reports any failing hook as 1
    assert "secret(s) found" in done.stderr and secret not in done.stderr
    (repo / ".briefpack.toml").write_text('secrets = "block"\n')
    git(repo, "add", "-A")
    lenient = commit(repo, "-m", "leak, not strict")
    assert lenient.returncode == 0 and "commit goes on" in lenient.stderr


def commit_what_cannot_fit(repo: Path) -> None:
    """A commit whose snapshot fails after its context was written and staged (a text likely
    to fit is staged before it is counted; the count then fails: a pinned file cannot fit).
    The commit still goes through."""
    write_tree(
        repo,
        {
            ".briefpack.toml": 'budget = 1000\nfull = ["long.py"]\n',
            # about a byte a token: the text is likely whole by its size, so it is staged early
            "long.py": ("N = [" + ", ".join(str(i % 10) for i in range(60)) + "]\n") * 8,
        },
    )
    git(repo, "add", "-A")
    done = commit(repo, "-m", "over budget")
    assert done.returncode == 0 and "commit goes on" in done.stderr
    assert "pinned file long.py" in done.stderr


def test_a_failure_after_staging_leaves_the_last_snapshot_committed(repo: Path) -> None:
    assert commit(repo, "-m", "first").returncode == 0
    before = at_head(repo, SNAP), at_head(repo, MANIFEST)
    commit_what_cannot_fit(repo)
    assert (at_head(repo, SNAP), at_head(repo, MANIFEST)) == before  # a consistent pair
    assert "N = [0, 1, 2" in (repo / SNAP).read_text()  # written, then left unstaged


def test_a_snapshot_of_a_subfolder_is_staged_from_the_top(repo: Path, cli: CLI) -> None:
    write_tree(repo, {"svc/api.py": "ROUTES = []\n", "svc/.briefpack.toml": ""})
    git(repo, "add", "-A")
    result = cli(["snapshot"], cwd=repo / "svc")
    assert result.exit_code == 0, result.stderr
    staged = git(repo, "diff", "--cached", "--name-only").split()
    assert {"svc/.briefpack/context.md", "svc/.briefpack/context.json"} <= set(staged)
    assert "ROUTES = []" in git(repo, "show", ":svc/.briefpack/context.md")
    assert "VERSION" not in (repo / "svc/.briefpack/context.md").read_text()


def test_snapshot_stage_false_writes_without_staging(repo: Path, cli: CLI) -> None:
    (repo / ".briefpack.toml").write_text("snapshot_stage = false\n")
    git(repo, "add", "-A")
    result = cli(["snapshot"], cwd=repo)
    assert result.exit_code == 0, result.stderr
    assert "VERSION = 1" in (repo / SNAP).read_text() and (repo / MANIFEST).exists()
    assert git(repo, "ls-files", ".briefpack") == ""  # written, not staged
    assert cli(["snapshot", "--check"], cwd=repo).exit_code == 0


def test_a_failed_first_snapshot_stages_nothing(repo: Path) -> None:
    commit_what_cannot_fit(repo)
    assert git(repo, "ls-files", ".briefpack") == ""


def test_the_hook_notes_a_file_only_when_it_changes(repo: Path) -> None:
    (repo / "legacy.txt").write_bytes("caf\xe9 cr\xe8me".encode("cp1252"))
    git(repo, "add", "-A")
    assert "legacy.txt: not UTF-8: decoded as cp1252" in commit(repo, "-m", "legacy").stderr
    (repo / "app.py").write_text("VERSION = 2\n")
    git(repo, "add", "app.py")
    quiet = commit(repo, "-m", "one file")
    assert quiet.returncode == 0 and "legacy.txt" not in quiet.stderr
    assert "caf\xe9 cr\xe8me" in at_head(repo, SNAP)  # still in the snapshot, decoded


def test_the_hook_lists_new_secrets_and_counts_the_rest(repo: Path) -> None:
    tokens = [checksummed(Rand(i), "ghp_") for i in range(13)]  # valid checksums: the scan checks
    keys = {f"svc{i:02}.py": f'GITHUB_TOKEN = "{tokens[i]}"\n' for i in range(12)}
    write_tree(repo, keys)
    git(repo, "add", "-A")
    first = commit(repo, "-m", "keys").stderr
    assert first.count("github-token redacted") == 10  # listed one per line, up to ten
    assert "12 secret(s) redacted in 12 file(s) of the snapshot (12 new)" in first
    (repo / "app.py").write_text("VERSION = 2\n")
    git(repo, "add", "app.py")
    quiet = commit(repo, "-m", "one file").stderr
    assert "github-token redacted" not in quiet  # reported when those files changed, not again
    assert "12 secret(s) redacted in 12 file(s) of the snapshot (0 new)" in quiet
    (repo / "app.py").write_text(f'TOKEN = "{tokens[12]}"\n')
    git(repo, "add", "app.py")
    again = commit(repo, "-m", "a new key").stderr
    assert "app.py:1: github-token redacted" in again and "(1 new)" in again
    assert again.count("github-token redacted") == 1


def test_snapshot_is_redacted_and_never_contains_itself(repo: Path, cli: CLI) -> None:
    secret = "sk_live_" + "Q7w8E9r0" * 3
    write_tree(repo, {"pay.py": f'STRIPE = "{secret}"\n'})
    git(repo, "add", "-A")
    assert commit(repo, "-m", "c").returncode == 0
    assert commit(repo, "--allow-empty", "-m", "again").returncode == 0
    text = at_head(repo, SNAP)
    assert secret not in text and "[redacted: stripe-key]" in text
    assert "context.md" not in text and "context.json" not in text


def test_snapshot_outside_git_is_a_clean_error(cli: CLI, tmp_path: Path) -> None:
    result = cli(["snapshot"], cwd=tmp_path)
    assert result.exit_code == 1 and "not in a git repository" in result.stderr
    assert cli(["hook", "install"], cwd=tmp_path).exit_code == 1


def test_the_pre_commit_framework_runs_the_snapshot(git_repo: Path, tmp_path: Path) -> None:
    config = (
        "repos:\n"
        "  - repo: local\n"
        "    hooks:\n"
        "      - id: briefpack-snapshot\n"
        "        name: briefpack context snapshot\n"
        f"        entry: {sys.executable} -m briefpack snapshot --hook\n"
        "        language: system\n"
        "        pass_filenames: false\n"
        "        always_run: true\n"
    )
    write_tree(git_repo, {".pre-commit-config.yaml": config, "app.py": "VERSION = 1\n"})
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    pre_commit = [sys.executable, "-m", "pre_commit"]
    subprocess.run([*pre_commit, "install"], cwd=git_repo, env=env, check=True, capture_output=True)
    git(git_repo, "add", "-A")
    (git_repo / "app.py").write_text("VERSION = 2  # unstaged\n")
    done = subprocess.run(
        ["git", "commit", "-m", "via pre-commit"],
        cwd=git_repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    text = at_head(git_repo, SNAP)
    assert "VERSION = 1" in text and "VERSION = 2" not in text
    assert (git_repo / "app.py").read_text() == "VERSION = 2  # unstaged\n"


def test_this_repository_publishes_a_valid_hook_manifest() -> None:
    from pre_commit.clientlib import load_manifest

    root = Path(__file__).resolve().parent.parent
    hooks = load_manifest(str(root / ".pre-commit-hooks.yaml"))
    assert [h["id"] for h in hooks] == ["briefpack-snapshot"]
    assert hooks[0]["entry"] == "briefpack snapshot --hook"


def test_diff_and_log_in_the_config_never_reach_the_snapshot(repo: Path, cli: CLI) -> None:
    """Issue 21.3: a snapshot is what is staged, nothing else; `--check` passes after a commit."""
    (repo / ".briefpack.toml").write_text("diff = true\nlog = 3\n")
    git(repo, "add", "-A")
    assert commit(repo, "-m", "first").returncode == 0
    (repo / "app.py").write_text("VERSION = 1\nUNSTAGED_WORK = 1\n")
    write_tree(repo, {"README.md": "# Demo, staged\n"})
    git(repo, "add", "README.md")
    assert commit(repo, "-m", "second").returncode == 0
    text = at_head(repo, SNAP)
    assert "# Demo, staged" in text and "UNSTAGED_WORK" not in text and "first" not in text
    assert cli(["snapshot", "--check"], cwd=repo).exit_code == 0


def test_a_partial_commit_leaves_the_users_index_right(repo: Path) -> None:
    """Issue 21.4: `git commit <paths>` runs the hook on a temporary index; the index the user
    keeps must hold the snapshot just committed (not none, not the previous one)."""
    hook.uninstall(repo)
    assert commit(repo, "-m", "before the hook").returncode == 0
    hook.install(repo, force=False, snapshot=repo / SNAP)
    for version in (2, 3):
        (repo / "app.py").write_text(f"VERSION = {version}\n")
        (repo / "README.md").write_text(f"# Demo {version}, not committed\n")
        done = commit(repo, "-m", f"only app.py ({version})", "app.py")
        assert done.returncode == 0, done.stderr
        assert f"VERSION = {version}" in at_head(repo, SNAP)
        assert git(repo, "status", "--porcelain") == " M README.md\n"
        assert git(repo, "diff", "--cached", "--name-only") == ""  # the index matches HEAD


def test_an_intent_to_add_file_is_not_in_the_snapshot(repo: Path) -> None:
    """Issue 21.5: `git add -N` announces a file; the commit does not contain it."""
    write_tree(repo, {"later.py": "NOT_COMMITTED = 1\n"})
    git(repo, "add", "-N", "later.py")
    assert commit(repo, "-m", "first").returncode == 0
    assert "later.py" not in git(repo, "ls-tree", "-r", "--name-only", "HEAD")
    manifest = json.loads(at_head(repo, MANIFEST))
    assert "later.py" not in [f["path"] for f in manifest["files"]]
    assert "later.py" not in at_head(repo, SNAP)


def test_snapshot_from_a_subfolder_is_the_repositorys(repo: Path, cli: CLI) -> None:
    """Issue 21.6: with no config of its own, a subfolder's snapshot is the repository's."""
    write_tree(repo, {"svc/api.py": "ROUTES = []\n"})
    git(repo, "add", "-A")
    made = cli(["snapshot"], cwd=repo / "svc")
    assert made.exit_code == 0, made.stderr
    text = (repo / SNAP).read_text()
    assert "ROUTES = []" in text and "VERSION = 1" in text
    assert not (repo / "svc/.briefpack").exists()
    assert commit(repo, "-m", "first").returncode == 0
    assert cli(["snapshot", "--check"], cwd=repo / "svc").exit_code == 0


def test_hook_check_fails_on_a_stale_snapshot(repo: Path, cli: CLI) -> None:
    """Issue 21.7: `snapshot --hook --check` exits as `snapshot --check` does."""
    assert commit(repo, "-m", "first").returncode == 0
    assert cli(["snapshot", "--hook", "--check"], cwd=repo).exit_code == 0
    (repo / "app.py").write_text("VERSION = 9\n")
    git(repo, "add", "app.py")
    stale = cli(["snapshot", "--hook", "--check"], cwd=repo)
    assert stale.exit_code == 5 and "snapshot is stale" in stale.stderr


def test_the_state_folder_keeps_only_the_snapshot_for_git(repo: Path, cli: CLI) -> None:
    """Issue 21.23: `git add -A` takes the snapshot, never the fallback brief, runs or tasks."""
    assert commit(repo, "-m", "first").returncode == 0
    write_tree(repo, {".briefpack/brief.md": "old brief\n", ".briefpack/runs/r1/brief.md": "x\n"})
    assert cli(["new", "later", "--root", str(repo)], cwd=repo, env={"EDITOR": ""}).exit_code == 0
    assert ".briefpack/.gitignore" in git(repo, "ls-files")  # the hook committed it
    git(repo, "add", "-A")
    assert git(repo, "diff", "--cached", "--name-only") == ""
    assert (repo / ".briefpack/tasks/later.md").is_file()


def many_modules(repo: Path, n: int = 60) -> None:
    write_tree(
        repo,
        {
            f"pkg/mod_{i:02}.py": f'"""Module {i}."""\n\n\ndef handler_{i}(request):\n'
            + "".join(f"    step_{j} = request.get({j})\n" for j in range(40))
            + "    return request\n"
            for i in range(n)
        },
    )
    git(repo, "add", "-A")


def test_a_snapshot_over_budget_is_fitted_and_records_levels(repo: Path, cli: CLI) -> None:
    """Issue 20: the snapshot fits the budget by the ladder; its manifest says each level."""
    many_modules(repo)
    (repo / ".briefpack.toml").write_text("snapshot_budget = 6000\n")
    git(repo, "add", "-A")
    assert commit(repo, "-m", "first").returncode == 0
    manifest = json.loads(at_head(repo, MANIFEST))
    assert manifest["briefpack_manifest"] == 3 and manifest["total_tokens"] <= 6000
    carried = [f for f in manifest["files"] if f["level"] != "path"]
    assert carried and all(len(f["digest"]) == 16 for f in carried)
    levels = {f["path"]: f["level"] for f in manifest["files"]}
    assert len(levels) == 62 and {"full", "outline", "path"} <= set(levels.values())
    ranks = sorted(f["rank"] for f in manifest["files"] if "rank" in f)
    assert ranks == list(range(1, len(ranks) + 1))
    assert cli(["snapshot", "--check"], cwd=repo).exit_code == 0
    (repo / "pkg/mod_03.py").write_text("def changed():\n    pass\n")
    git(repo, "add", "-A")
    stale = cli(["snapshot", "--check"], cwd=repo)
    assert stale.exit_code == 5 and "stale" in stale.stderr


def first_and_one_file(repo: Path) -> None:
    """Commit everything, then a one-file change: the second snapshot takes the first's memo."""
    git(repo, "add", "-A")
    assert commit(repo, "-m", "first").returncode == 0
    (repo / "pkg/mod_07.py").write_text("def edited():\n    return 7\n")
    git(repo, "add", "-A")
    assert commit(repo, "-m", "one file").returncode == 0


def test_a_fitted_snapshot_is_stored_at_zlib_6_and_its_index_entries_are_fresh(repo: Path) -> None:
    """git stores a fitted snapshot's files while the manifest and memo are made; the commit
    holds the files as written, their loose objects are at zlib 6, not git's 1 (0x78 0x9c, not
    0x78 0x01), and the index knows their stat (`git status` hashes nothing again)."""
    many_modules(repo)
    (repo / ".briefpack.toml").write_text("snapshot_budget = 6000\n")
    first_and_one_file(repo)
    for name in (SNAP, MANIFEST):
        assert at_head(repo, name) == (repo / name).read_text()
        blob = git(repo, "rev-parse", f"HEAD:{name}").strip()
        assert (repo / ".git/objects" / blob[:2] / blob[2:]).read_bytes()[:2] == b"\x78\x9c"
    size = (repo / SNAP).stat().st_size
    assert f"size: {size}\t" in git(repo, "ls-files", "--debug", "--", SNAP)
    assert git(repo, "status", "--porcelain") == ""
    trace = repo.parent / "trace.txt"  # git's own log of what it ran, in order
    (repo / "pkg/mod_08.py").write_text("def edited():\n    return 8\n")
    git(repo, "add", "-A")
    env = {**os.environ, "GIT_TRACE": str(trace)}
    done = subprocess.run(["git", "commit", "-qm", "two"], cwd=repo, env=env, check=False)
    assert done.returncode == 0
    ran = [line.split("git ", 1)[1] for line in trace.read_text().splitlines() if "git " in line]
    # the manifest is stored too, meanwhile: which of the two git starts first may vary
    stored = next(
        i for i, c in enumerate(ran) if c.startswith(f"hash-object -w --stdin --path={SNAP}")
    )
    added = next(i for i, c in enumerate(ran) if c.startswith("add -f"))
    assert stored < added  # stored before it is added


def test_a_snapshot_stored_early_is_the_blob_git_add_makes_under_a_filter(repo: Path) -> None:
    """The early store applies the snapshot's attributes as `git add` does (`--path`): under a
    clean filter the stored blob is the filtered one, and no other copy is left unreachable."""
    many_modules(repo)
    (repo / ".briefpack.toml").write_text("snapshot_budget = 6000\n")
    git(repo, "config", "filter.upper.clean", "tr a-z A-Z")
    git(repo, "config", "filter.upper.smudge", "cat")
    (repo / ".gitattributes").write_text(".briefpack/*.md filter=upper\n")
    first_and_one_file(repo)
    assert at_head(repo, SNAP) == (repo / SNAP).read_text().upper()
    unreachable = git(repo, "fsck", "--unreachable", "--no-reflogs")
    assert "unreachable blob" not in unreachable, unreachable


@pytest.mark.parametrize("config", ["", "snapshot_fit = false\nbudget = 3000\n"])
def test_a_snapshot_under_budget_or_unfitted_is_whole(repo: Path, config: str) -> None:
    many_modules(repo, 12)
    (repo / ".briefpack.toml").write_text(config)
    git(repo, "add", "-A")
    assert commit(repo, "-m", "first").returncode == 0
    manifest = json.loads(at_head(repo, MANIFEST))
    assert {f["level"] for f in manifest["files"]} == {"full"}
    assert "step_39 = request.get(39)" in at_head(repo, SNAP)


def test_a_one_line_edit_changes_its_own_segment_and_few_others(repo: Path, cli: CLI) -> None:
    """Issue 20: a small change must not reshuffle the fitted snapshot's levels."""
    many_modules(repo)
    (repo / ".briefpack.toml").write_text("snapshot_budget = 6000\n")
    git(repo, "add", "-A")
    assert commit(repo, "-m", "first").returncode == 0
    before = at_head(repo, SNAP).split("\n### ")
    text = (repo / "pkg/mod_30.py").read_text().replace("step_5 =", "step_five =")
    (repo / "pkg/mod_30.py").write_text(text)
    git(repo, "add", "-A")
    assert commit(repo, "-m", "one line").returncode == 0
    after = at_head(repo, SNAP).split("\n### ")
    assert len(set(after) - set(before)) <= 3  # its own segment, and a level change or two
    # the memo never takes an outline for a file's text: the next snapshot is a full build's
    assert commit(repo, "--allow-empty", "-m", "again").returncode == 0
    assert cli(["snapshot", "--check"], cwd=repo).exit_code == 0


def test_a_whole_snapshot_gives_way_to_a_fitted_one_and_the_hook_says_so_once(repo: Path) -> None:
    """Issue 20: migration. A whole snapshot (made before snapshots were fitted) is replaced by
    the fitted one at the next commit, with one note; and the whole text, which is not the
    snapshot, never reaches .git (staged early, it would stay there unreachable)."""
    many_modules(repo, 30)  # 30 KB: within twice the budget, as a whole text may well be
    (repo / ".briefpack.toml").write_text("snapshot_fit = false\nsnapshot_budget = 6000\n")
    git(repo, "add", "-A")
    assert commit(repo, "-m", "whole").returncode == 0
    assert {f["level"] for f in json.loads(at_head(repo, MANIFEST))["files"]} == {"full"}
    (repo / ".briefpack.toml").write_text("snapshot_budget = 6000\n")
    (repo / "pkg/mod_05.py").write_text("def five():\n    return 5\n")
    git(repo, "add", "-A")
    git(repo, "gc", "-q", "--prune=now")  # what is loose from here on is this commit's
    fitted = commit(repo, "-m", "fitted")
    assert fitted.returncode == 0
    assert "note: the snapshot is now fitted to its budget (6,000 tokens)" in fitted.stderr
    assert {f["level"] for f in json.loads(at_head(repo, MANIFEST))["files"]} != {"full"}
    assert "unreachable blob" not in git(repo, "fsck", "--unreachable", "--no-reflogs")
    (repo / "pkg/mod_07.py").write_text("def seven():\n    return 7\n")
    git(repo, "add", "-A")
    again = commit(repo, "-m", "again")
    assert again.returncode == 0 and "now fitted" not in again.stderr
    assert "unreachable blob" not in git(repo, "fsck", "--unreachable", "--no-reflogs")


def test_snapshot_fit_flags_win_over_the_config(repo: Path, cli: CLI) -> None:
    many_modules(repo, 30)
    (repo / ".briefpack.toml").write_text("snapshot_budget = 3000\n")
    git(repo, "add", "-A")
    assert cli(["snapshot", "--no-fit"], cwd=repo).exit_code == 0
    whole = json.loads((repo / MANIFEST).read_text())
    assert {f["level"] for f in whole["files"]} == {"full"}
    assert cli(["snapshot"], cwd=repo).exit_code == 0
    fitted = json.loads((repo / MANIFEST).read_text())
    assert {f["level"] for f in fitted["files"]} != {"full"}


def test_a_one_file_commit_asks_git_for_that_blob_only(
    repo: Path, cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20's cost: a fitted snapshot's files left as outlines or paths are not read again
    at the next commit (the memo knows their digests and counts); nor is anything it carries
    unchanged. A `git` in git's exec path logs each blob the hook asks `cat-file` for."""
    many_modules(repo)
    (repo / ".briefpack.toml").write_text("snapshot_budget = 6000\n")
    git(repo, "add", "-A")
    assert commit(repo, "-m", "first").returncode == 0
    levels = {f["path"]: f["level"] for f in json.loads(at_head(repo, MANIFEST))["files"]}
    assert list(levels.values()).count("path") >= 10
    # git puts its exec path first on a hook's PATH: a `git` there logs what cat-file is asked
    real = subprocess.run(["git", "--exec-path"], capture_output=True, text=True, check=True)
    wrapper, log = tmp_path / "exec-path", tmp_path / "cat-file.log"
    wrapper.mkdir()
    (wrapper / "git").write_text(
        f"#!/bin/sh\nexport GIT_EXEC_PATH={real.stdout.strip()}\n"
        f'if [ "$1" = cat-file ]; then tee -a {log} | exec {shutil.which("git")} "$@"; fi\n'
        f'exec {shutil.which("git")} "$@"\n'
    )
    (wrapper / "git").chmod(0o755)
    monkeypatch.setenv("GIT_EXEC_PATH", str(wrapper))
    edited = next(p for p, level in levels.items() if level == "path")
    (repo / edited).write_text((repo / edited).read_text().replace("step_5 =", "step_five ="))
    git(repo, "add", edited)
    done = commit(repo, "-m", "one file")
    assert done.returncode == 0 and "warning" not in done.stderr, done.stderr
    asked = log.read_text().split() if log.exists() else []
    assert asked == [git(repo, "rev-parse", f":{edited}").strip()]
    assert cli(["snapshot", "--check"], cwd=repo).exit_code == 0


def test_uninstall_removes_a_first_snapshot_no_commit_took(git_repo: Path, cli: CLI) -> None:
    """`hook install` writes the first snapshot; uninstalled before any commit took it, the
    hook leaves nothing behind. A committed snapshot, or one the hook does not stage, stays."""
    write_tree(git_repo, {"a.py": "x = 1\n"})
    git(git_repo, "add", "-A")
    snap = git_repo / SNAP
    assert cli(["hook", "install"], cwd=git_repo).exit_code == 0
    assert snap.is_file() and snap.with_suffix(".json").is_file()
    result = cli(["hook", "uninstall"], cwd=git_repo)
    assert result.exit_code == 0 and "removed the snapshot never committed" in result.stderr
    assert not snap.exists() and not snap.with_suffix(".json").exists()
    assert cli(["hook", "install"], cwd=git_repo).exit_code == 0
    assert commit(git_repo, "-m", "c").returncode == 0
    assert cli(["hook", "uninstall"], cwd=git_repo).exit_code == 0
    assert snap.is_file() and SNAP in git(git_repo, "ls-files")  # in history: kept
    git(git_repo, "rm", "-q", "--cached", SNAP, SNAP.replace(".md", ".json"))
    assert commit(git_repo, "-m", "untrack the snapshot").returncode == 0
    (git_repo / ".briefpack.toml").write_text("snapshot_stage = false\n")
    assert cli(["hook", "install"], cwd=git_repo).exit_code == 0
    assert cli(["hook", "uninstall"], cwd=git_repo).exit_code == 0
    assert snap.is_file()  # the hook never staged it: the user's own file

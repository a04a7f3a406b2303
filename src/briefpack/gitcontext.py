"""Git context for briefs about a change in progress: `--diff` and `--log N`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefpack.brief import Doc
from briefpack.config import find_git_root
from briefpack.errors import BriefpackError
from briefpack.git import run_git, split_z


@dataclass(frozen=True)
class Changes:
    """The docs for the brief's "What changed recently" section, and the paths the diff touches."""

    docs: tuple[Doc, ...] = ()
    paths: frozenset[str] = frozenset()


def git_changes(root: Path, *, diff: bool, log: int) -> Changes:
    """The working-tree and staged diff (against HEAD) and the last `log` commit messages."""
    if not diff and not log:
        return Changes()
    if find_git_root(root) is None:
        raise BriefpackError("--diff and --log need a git repository", hint="run inside one")
    docs: list[Doc] = []
    paths: frozenset[str] = frozenset()
    has_head = _has_head(root)
    if diff:
        base = ["HEAD"] if has_head else ["--cached"]
        text = _text(run_git(root, "diff", "--no-color", "--no-ext-diff", *base, "--", "."))
        if not has_head:  # no commit yet: staged changes, then unstaged ones
            text += _text(run_git(root, "diff", "--no-color", "--no-ext-diff", "--", "."))
        if text.strip():
            docs.append(Doc("git diff" + (" HEAD" if has_head else ""), text))
        names = run_git(root, "diff", "--name-only", "-z", "--relative", *base, "--", ".")
        paths = frozenset(split_z(names))
    if log and has_head:
        out = run_git(
            root, "log", f"-n{log}", "--no-color", "--date=short", "--format=%h %ad %an%n%n%B", "--"
        )
        docs.append(Doc(f"git log -n {log}", _text(out)))
    return Changes(tuple(docs), paths)


def _has_head(root: Path) -> bool:
    try:
        run_git(root, "rev-parse", "--verify", "-q", "HEAD")
    except BriefpackError:
        return False
    return True


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")

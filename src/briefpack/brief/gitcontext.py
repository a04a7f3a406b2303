"""Git context for briefs about a change in progress: `--diff` and `--log N`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from briefpack.brief.config import find_git_root
from briefpack.brief.parts import Doc
from briefpack.errors import BriefpackError
from briefpack.git import run_git, split_z


@dataclass(frozen=True)
class Changes:
    """The docs for the brief's "What changed recently" section, and the paths the diff touches."""

    docs: tuple[Doc, ...] = ()
    paths: frozenset[str] = frozenset()


def git_changes(
    root: Path,
    *,
    diff: bool,
    log: int,
    within: Collection[str] = (),
    staged: bool = False,
) -> Changes:
    """The diff against HEAD of the files `within` the brief (paths relative to `root`; what
    the brief leaves out stays out of its diff too), and the last `log` commit messages.

    `staged`: the index against HEAD only (a snapshot is what is staged, nothing else).
    """
    if not diff and not log:
        return Changes()
    if find_git_root(root) is None:
        raise BriefpackError("--diff and --log need a git repository", hint="run inside one")
    docs: list[Doc] = []
    paths: frozenset[str] = frozenset()
    has_head = _has_head(root)
    if diff:
        # no commit yet: the staged changes, then the unstaged ones (a snapshot: staged only)
        bases = [["--cached"]] if staged else [["HEAD"]] if has_head else [["--cached"], []]
        names: set[str] = set()
        for base in bases:
            names.update(
                split_z(run_git(root, "diff", "--name-only", "-z", "--relative", *base, "--", "."))
            )
        paths = frozenset(names & set(within))
        text = "".join(_diff_text(root, base, sorted(paths)) for base in bases)
        if text.strip():
            docs.append(Doc("git diff" + (" HEAD" if has_head else ""), text))
    if log and has_head:
        out = run_git(
            root, "log", f"-n{log}", "--no-color", "--date=short", "--format=%h %ad %an%n%n%B", "--"
        )
        docs.append(Doc(f"git log -n {log}", _text(out)))
    return Changes(tuple(docs), paths)


def _diff_text(root: Path, base: list[str], paths: list[str]) -> str:
    """The diff of exactly `paths`, as literal pathspecs, in batches that fit a command line."""
    text = ""
    for at in range(0, len(paths), _BATCH):
        batch = [f":(literal){p}" for p in paths[at : at + _BATCH]]
        text += _text(run_git(root, "diff", "--no-color", "--no-ext-diff", *base, "--", *batch))
    return text


_BATCH = 500  # pathspecs per git call: far below any system's argument limit


def _has_head(root: Path) -> bool:
    try:
        run_git(root, "rev-parse", "--verify", "-q", "HEAD")
    except BriefpackError:
        return False
    return True


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")

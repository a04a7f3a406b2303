"""The native git pre-commit hook: install, uninstall, status; and the snapshot's merge driver.

The hook file carries a marker line, so briefpack only ever removes or rewrites its own file. A
hook that was there before (someone else's, or the pre-commit framework's) is kept beside it as
`pre-commit.briefpack-chained` and run first (or, with `--force`, set aside, not run, as
`pre-commit.briefpack-replaced`); uninstalling puts it back.

Two branches that both committed have two snapshots, and git cannot merge generated text (the
manifest's total alone conflicts every time). So the snapshot files get a merge driver that
keeps this side's version: `merge=briefpack-snapshot` in `.git/info/attributes` and the driver
in the repository's config, both per clone, like the hook. A merge git concludes by itself
commits that version (git writes a merge's tree before any hook could change it); the next
commit, or a merge concluded with `git commit`, writes the snapshot anew.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from briefpack.errors import BriefpackError
from briefpack.git import run_git
from briefpack.tokens.store import write_atomic

MARKER = "# briefpack-hook v"
CHAINED = "pre-commit.briefpack-chained"
REPLACED = "pre-commit.briefpack-replaced"
DRIVER = "briefpack-snapshot"
_ATTRIBUTES_NOTE = (
    "# briefpack hook install: a merge keeps this side's snapshot; a commit rewrites it"
)

Outcome = Literal[
    "installed", "updated", "chained", "replaced", "removed", "restored", "reinstated", "absent"
]


@dataclass(frozen=True)
class HookState:
    """Where the hook lives and whose it is."""

    path: Path
    ours: bool
    exists: bool
    chained: bool


def hooks_dir(root: Path) -> Path:
    """The hooks folder git uses here (honours core.hooksPath and linked worktrees)."""
    return _git_path(root, "hooks")


def state(root: Path) -> HookState:
    """The pre-commit hook's current state."""
    path = hooks_dir(root) / "pre-commit"
    exists = path.is_file() or path.is_symlink()
    return HookState(path, exists and _is_ours(path), exists, (path.parent / CHAINED).exists())


def install(root: Path, *, force: bool = False, snapshot: Path | None = None) -> Outcome:
    """Install the hook; chain an existing foreign hook (or, with `force`, set it aside). With
    `snapshot`: the merge driver for it and its manifest."""
    current = state(root)
    current.path.parent.mkdir(parents=True, exist_ok=True)
    outcome: Outcome = "installed"
    if current.ours:
        outcome = "updated"
    elif current.exists:
        aside = _aside(current.path, force)
        if aside.exists():
            raise BriefpackError(
                f"{aside} is in the way",
                hint="move it somewhere else, then run `briefpack hook install` again",
            )
        os.replace(current.path, aside)
        if force:
            aside.chmod(aside.stat().st_mode & ~0o111)  # kept, but no longer run
        outcome = "replaced" if force else "chained"
    _write_hook(current.path)
    if snapshot is not None:
        _add_merge_driver(root, snapshot)
    return outcome


def uninstall(root: Path) -> Outcome:
    """Remove the hook if it is ours, putting back the hook it chained or (`--force`) set
    aside, and the merge driver."""
    _remove_merge_driver(root)
    current = state(root)
    if not current.exists or not current.ours:
        return "absent"
    current.path.unlink()
    chained = current.path.parent / CHAINED
    if chained.exists():
        os.replace(chained, current.path)
        return "restored"
    replaced = current.path.parent / REPLACED
    if replaced.exists():
        mode = replaced.stat().st_mode
        replaced.chmod(mode | (mode & 0o444) >> 2)  # runnable again by whoever may read it
        os.replace(replaced, current.path)
        return "reinstated"
    return "removed"


def drop_unstaged_snapshot(root: Path, context: Path, stages: bool) -> list[Path]:
    """After uninstalling: remove the snapshot (`context` and its manifest) when `hook
    install` wrote it and no commit ever took it (git knows neither file), so the hook leaves
    nothing behind. A snapshot the hook does not stage (`stages` false) is the user's to keep."""
    if not stages:
        return []
    found = [p for p in (context, context.with_suffix(".json")) if p.is_file()]
    if not found:
        return []
    listed = run_git(root, "ls-files", "-z", "--", *(str(p) for p in found))
    if listed.strip(b"\0"):
        return []  # in the index: the user's history has it
    try:
        run_git(root, "rev-parse", "--verify", "-q", "HEAD")
        head = run_git(root, "ls-tree", "-z", "--name-only", "HEAD", "--", *map(str, found))
    except BriefpackError:
        head = b""  # no commit yet
    if head.strip(b"\0"):
        return []
    for p in found:
        p.unlink(missing_ok=True)
    return found


def _aside(path: Path, force: bool) -> Path:
    return path.with_name(f"{path.name}.briefpack-{'replaced' if force else 'chained'}")


def _add_merge_driver(root: Path, snapshot: Path) -> None:
    """`merge=briefpack-snapshot` for the snapshot and its manifest, and that driver: `true`,
    which leaves this side's file as the merge's result."""
    run_git(root, "config", f"merge.{DRIVER}.name", "briefpack snapshot: rewritten at the commit")
    run_git(root, "config", f"merge.{DRIVER}.driver", "true")
    out = run_git(root, "rev-parse", "--show-toplevel").decode("utf-8", "surrogateescape")
    top = Path(out.strip()).resolve()
    wanted = [
        f"{_pattern(path.resolve().relative_to(top).as_posix())} merge={DRIVER}"
        for path in (snapshot, snapshot.with_suffix(".json"))
        if path.resolve().is_relative_to(top)
    ]
    attributes = _git_path(root, "info/attributes")
    lines = [line for line in _lines(attributes) if not _ours(line)]
    attributes.parent.mkdir(parents=True, exist_ok=True)
    _write_lines(attributes, [*lines, _ATTRIBUTES_NOTE, *wanted])


def merge_driver(root: Path) -> list[str]:
    """The paths the merge driver covers here ([] when it is not configured)."""
    try:
        run_git(root, "config", f"merge.{DRIVER}.driver")
    except BriefpackError:
        return []
    lines = _lines(_git_path(root, "info/attributes"))
    return [line.rsplit(" ", 1)[0] for line in lines if _ours(line) and line != _ATTRIBUTES_NOTE]


def _remove_merge_driver(root: Path) -> None:
    with contextlib.suppress(BriefpackError):  # no such section: nothing to remove
        run_git(root, "config", "--remove-section", f"merge.{DRIVER}")
    attributes = _git_path(root, "info/attributes")
    lines = _lines(attributes)
    kept = [line for line in lines if not _ours(line)]
    if kept != lines:
        _write_lines(attributes, kept)


def _ours(line: str) -> bool:
    return line == _ATTRIBUTES_NOTE or line.endswith(f" merge={DRIVER}")


def _pattern(path: str) -> str:
    """An attributes pattern for exactly `path` (from the top of the work tree)."""
    if any(c in path for c in ' \t"\\'):
        escaped = path.replace("\\", "\\\\").replace('"', '\\"')
        return f'"/{escaped}"'
    return f"/{path}"


def _lines(path: Path) -> list[str]:
    try:
        return path.read_bytes().decode("utf-8", "surrogateescape").splitlines()
    except FileNotFoundError:
        return []


def _write_lines(path: Path, lines: list[str]) -> None:
    """Lines written back byte for byte as read (a user's own lines need not be UTF-8), the file
    replaced whole: git never reads half of it."""
    write_atomic(path, "".join(f"{line}\n" for line in lines).encode("utf-8", "surrogateescape"))


def _git_path(root: Path, name: str) -> Path:
    out = run_git(root, "rev-parse", "--git-path", name).decode("utf-8", "surrogateescape")
    path = Path(out.strip())
    return path if path.is_absolute() else (root / path).resolve()


def _write_hook(path: Path) -> None:
    template = (
        resources.files("briefpack.snapshot").joinpath("resources/pre-commit.sh").read_text("utf-8")
    )
    text = template.replace("@PYTHON@", shlex.quote(sys.executable))
    tmp = path.with_name(path.name + ".briefpack-tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o755)
    os.replace(tmp, path)


def _is_ours(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return MARKER.encode() in head

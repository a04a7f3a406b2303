"""The native git pre-commit hook: install, uninstall, status.

The hook file carries a marker line, so briefpack only ever removes or rewrites its own file. A
hook that was there before (someone else's, or the pre-commit framework's) is kept beside it as
`pre-commit.briefpack-chained` and run first; uninstalling puts it back.
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

from briefpack.errors import BriefpackError
from briefpack.git import run_git

MARKER = "# briefpack-hook v"
CHAINED = "pre-commit.briefpack-chained"
REPLACED = "pre-commit.briefpack-replaced"

Outcome = Literal["installed", "updated", "chained", "replaced", "removed", "restored", "absent"]


@dataclass(frozen=True)
class HookState:
    """Where the hook lives and whose it is."""

    path: Path
    ours: bool
    exists: bool
    chained: bool


def hooks_dir(root: Path) -> Path:
    """The hooks folder git uses here (honours core.hooksPath and linked worktrees)."""
    out = run_git(root, "rev-parse", "--git-path", "hooks").decode("utf-8", "surrogateescape")
    path = Path(out.strip())
    return path if path.is_absolute() else (root / path).resolve()


def state(root: Path) -> HookState:
    """The pre-commit hook's current state."""
    path = hooks_dir(root) / "pre-commit"
    exists = path.is_file() or path.is_symlink()
    return HookState(path, exists and _is_ours(path), exists, (path.parent / CHAINED).exists())


def install(root: Path, *, force: bool = False) -> Outcome:
    """Install the hook; chain an existing foreign hook (or, with `force`, set it aside)."""
    current = state(root)
    current.path.parent.mkdir(parents=True, exist_ok=True)
    outcome: Outcome = "installed"
    if current.ours:
        outcome = "updated"
    elif current.exists:
        aside = current.path.parent / (REPLACED if force else CHAINED)
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
    return outcome


def uninstall(root: Path) -> Outcome:
    """Remove the hook if it is ours, and put back the hook it chained."""
    current = state(root)
    if not current.exists or not current.ours:
        return "absent"
    current.path.unlink()
    chained = current.path.parent / CHAINED
    if chained.exists():
        os.replace(chained, current.path)
        return "restored"
    return "removed"


def _write_hook(path: Path) -> None:
    template = resources.files("briefpack").joinpath("resources/pre-commit.sh").read_text("utf-8")
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

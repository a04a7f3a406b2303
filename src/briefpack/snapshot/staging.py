"""Staging the snapshot in git's index: early, while tokens are counted, and in the index the
user keeps when git commits through a temporary one.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefpack.errors import BriefpackError
from briefpack.git import run_git, run_git_meanwhile, start_git
from briefpack.tokens.store import write_atomic

LOOSE_COMPRESSION = 6


@dataclass(frozen=True)
class Early:
    """The context written before counting, and git staging it meanwhile (see `write_early`)."""

    data: bytes
    changed: bool
    top: Path = Path()  # the work tree's top folder, where git runs
    name: str = ""  # the context's path from there
    staging: subprocess.Popen[bytes] | None = None
    was: bytes = b""  # the index entry it replaces (`git ls-files -s` output), or b""

    def wait(self) -> None:
        """Let git finish staging it."""
        if self.staging is not None:
            self.staging.wait()

    def undo(self) -> None:
        """Put the index entry back as it was: a snapshot that fails after this (Ctrl-C, a
        broken encoding file) must not leave the new context staged beside the old manifest."""
        if self.staging is None:
            return
        self.staging.wait()
        with contextlib.suppress(BriefpackError):
            if self.was:
                mode, blob = self.was.split(b"\t", 1)[0].decode("ascii").split(" ")[:2]
                run_git(self.top, "update-index", "--cacheinfo", f"{mode},{blob},{self.name}")
            else:
                run_git(self.top, "rm", "-q", "--cached", "--", self.name)


def write_early(context_path: Path, data: bytes, top: Path, *, current: bytes | None) -> Early:
    """Write the context as soon as it is rendered, and have git compress and stage it while
    tokens are counted (on another core: ~0.55 s for Django's 37 MB snapshot, most of what a
    commit's hook costs there). `top`: the work tree's top folder; `current`: the file's bytes,
    known already (checked by the memo). With `--fit` the text may still change: what is final
    is written and staged after, and an unused object is git's garbage to collect."""
    if not write_if_changed(context_path, data, current):
        return Early(data, changed=False)
    name = os.path.relpath(context_path, top)
    if name.startswith(".."):  # outside the work tree: staging it fails later, and says so
        return Early(data, changed=True)
    was = run_git(top, "ls-files", "-s", "--", name).strip()
    staging = start_git(top, "add", "-f", "--", name)
    return Early(data, changed=True, top=top, name=name, staging=staging, was=was)


def store_blob(top: Path, name: str, data: bytes) -> subprocess.Popen[bytes]:
    """Have git compress `data`, the text of `name` (relative to `top`), into its object store
    at LOOSE_COMPRESSION, in the background (`stage_snapshot` waits for it): a fitted
    snapshot's bytes are final as soon as it is counted, and the manifest and the memo can be
    made meanwhile; `git add` then finds the object stored and only hashes the file (Django's
    4.3 MB context: 0.15 s -> 0.02 s). `--path`: the attributes that `git add` applies to the
    file (a filter, an end-of-line rule) apply here too, so the blob is the one it stores."""
    level = _level(fitted=True)
    return start_git(top, *level, "hash-object", "-w", "--stdin", f"--path={name}", stdin=data)


def stage_snapshot(
    paths: Sequence[Path],
    git_root: Path,
    early: Early | None = None,
    fitted: bool = False,
    meanwhile: Callable[[], object] = lambda: None,
    stored: Sequence[subprocess.Popen[bytes]] = (),
) -> None:
    """Stage both files, once git is done with the context staged early, and run `meanwhile()`
    while git compresses them (~0.1 s for a 4 MB context). `-f`: a .gitignore that keeps
    `.briefpack/` (runs, fallback brief) out still lets them in; the context staged early is
    not hashed again (its index entry matches the file). `fitted`: the snapshot fits a budget,
    so it is small enough to compress well at LOOSE_COMPRESSION. `stored`: git storing the
    files' bytes already (`store_blob`): `meanwhile()` runs first, and `git add` comes after."""
    if early is not None:
        early.wait()
    names = [str(p) for p in paths]
    if stored:
        try:
            meanwhile()
        finally:
            for proc in stored:
                proc.wait()  # a failure is `git add`'s to report: it stores the file itself
        run_git(git_root, *_level(fitted), "add", "-f", "--", *names)
    else:
        run_git_meanwhile(git_root, *_level(fitted), "add", "-f", "--", *names, meanwhile=meanwhile)
    _mirror_to_real_index(git_root, names)


def _level(fitted: bool) -> list[str]:
    """A fitted snapshot at zlib 6, not git's 1 for loose objects: 4.2 MB is stored in 0.93 MB
    instead of 1.18 MB, for 0.07 s (git's packs, made at the next gc, use 6 as well); a whole
    one of 37 MB would take 0.5 s more."""
    return ["-c", f"core.looseCompression={LOOSE_COMPRESSION}"] if fitted else []


def _mirror_to_real_index(git_root: Path, names: Sequence[str]) -> None:
    """`git commit <paths>` runs the hook on a temporary index (`next-index-*.lock`) and then
    puts in place the user's index, which it prepared (as `index.lock`) before the hook ran:
    what the hook staged would be missing there (`git status` shows the snapshot deleted, or an
    old one that `--no-verify` would commit next). Give that prepared index the same entries."""
    current = os.environ.get("GIT_INDEX_FILE")
    if not current:
        return
    git_dir = Path(run_git(git_root, "rev-parse", "--absolute-git-dir").decode().strip())
    real = git_dir / "index.lock"
    if not real.is_file() or Path(current).resolve() in (
        real.resolve(),
        (git_dir / "index").resolve(),
    ):
        return  # a plain commit, `-a`, or `-i`: the hook's index is the one git keeps
    entries = run_git(git_root, "ls-files", "-s", "-z", "--", *names)
    run_git(
        git_root,
        "update-index",
        "--add",
        "-z",
        "--index-info",
        input_bytes=entries,
        env={"GIT_INDEX_FILE": str(real)},
    )


def write_if_changed(path: Path, data: bytes, current: bytes | None = None) -> bool:
    """Write `data` atomically unless the file (or `current`, its known bytes) holds it."""
    if (current if current is not None else read_or_none(path)) == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)
    return True


def read_or_none(path: Path) -> bytes | None:
    """The file's bytes, or None if it cannot be read."""
    try:
        return path.read_bytes()
    except OSError:
        return None

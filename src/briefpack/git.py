"""One subprocess wrapper for git."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from briefpack.errors import BriefpackError


class GitError(BriefpackError):
    """git is missing, or a git command failed."""


def run_git(
    cwd: Path, *args: str, input_bytes: bytes | None = None, env: Mapping[str, str] | None = None
) -> bytes:
    """Run `git <args>` in `cwd` (with `env` over the environment) and return stdout; any
    failure is a GitError naming the command."""
    return run_git_full(cwd, *args, input_bytes=input_bytes, env=env)[0]


def start_git(cwd: Path, *args: str, stdin: bytes | None = None) -> subprocess.Popen[bytes]:
    """Start `git <args>` in the background (output discarded), given `stdin` if any (written
    here: git reads it whole before working on it); the caller waits for it."""
    quiet = subprocess.DEVNULL
    try:
        proc = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            env=_env(),
            stdin=quiet if stdin is None else subprocess.PIPE,
            stdout=quiet,
            stderr=quiet,
        )
    except FileNotFoundError:
        raise _missing() from None
    if proc.stdin is not None:
        with contextlib.suppress(BrokenPipeError):  # git failed: its caller finds out
            proc.stdin.write(stdin or b"")
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
    return proc


def _env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C", **(extra or {})}


def _missing() -> GitError:
    return GitError(
        "git is not installed or not on PATH", hint="install git, or run outside a repository"
    )


def run_git_full(
    cwd: Path,
    *args: str,
    input_bytes: bytes | None = None,
    env: Mapping[str, str] | None = None,
    ok: tuple[int, ...] = (0,),
) -> tuple[bytes, bytes]:
    """`run_git`, also returning what git said on stderr (its warnings) when it succeeded;
    `ok`: the exit codes that mean success (`check-ignore` exits 1 when nothing is ignored)."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input_bytes,
            capture_output=True,
            env=_env(env),
            check=False,
        )
    except FileNotFoundError:
        raise _missing() from None
    if proc.returncode not in ok:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        first = detail[0] if detail else f"exit {proc.returncode}"
        raise GitError(f"git {_verb(args)} failed: {first}")
    return proc.stdout, proc.stderr


def run_git_meanwhile(cwd: Path, *args: str, meanwhile: Callable[[], object]) -> None:
    """Run `git <args>` in `cwd` (output discarded) and `meanwhile()` here while it works; a
    failure of git's is a GitError naming the command, once `meanwhile` is done."""
    try:
        proc = subprocess.Popen(
            ["git", *args],
            cwd=cwd,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except FileNotFoundError:
        raise _missing() from None
    try:
        meanwhile()
    finally:
        _, said = proc.communicate()
    if proc.returncode != 0:
        detail = said.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {_verb(args)} failed: {detail[0] if detail else proc.returncode}")


def split_z(output: bytes) -> list[str]:
    """NUL-separated git output as paths (undecodable bytes kept via surrogateescape)."""
    # decoded at once, as os.fsdecode decodes each (a NUL is never part of a UTF-8 character)
    text = output.decode(sys.getfilesystemencoding(), sys.getfilesystemencodeerrors())
    return [item for item in text.split("\0") if item]


def _verb(args: Sequence[str]) -> str:
    """The command's name, past any `-c key=value` before it (`git -c x=1 add` -> `add`)."""
    rest = list(args)
    while len(rest) > 1 and rest[0] == "-c":
        rest = rest[2:]
    return rest[0] if rest else "?"

"""`briefpack snapshot --hook`, as git runs it at every commit.

The same snapshot as the `snapshot` command, without the CLI's start-up: the CLI's modules
(Typer, Rich, every command) take ~0.15 s to import (`python -X importtime`). `python -m briefpack` and
the console script come straight here when the arguments are exactly `snapshot --hook` (what the
installed hook and `.pre-commit-hooks.yaml` run); any other flags go through the CLI, which calls
`run_hook` too. A failure of the hook's own never blocks a commit unless `strict = true`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from briefpack.errors import BriefpackError, ExitCode

if TYPE_CHECKING:
    from briefpack.snapshot.take import Outcome


def main() -> NoReturn:
    """The hook with no flags, in the current folder. A child loads the tokenizer meanwhile
    (forked first, while no thread exists). Exits without tearing the interpreter down: freeing
    a large snapshot's strings and caches one by one takes ~0.1 s, every file written is closed
    by then, and the child ends when its pipe does."""
    _start_counter(Path())
    code = run_hook(Path(), dict)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _start_counter(path: Path) -> None:
    """Have a child load the tokenizer while the snapshot is gathered (see tokenchild.py)."""
    from briefpack.tokens import child as tokenchild

    tokenchild.start(lambda: _encoding(path))


def _encoding(path: Path) -> str:
    """The encoding the config's model counts with (in the child: it raises there, if at all)."""
    from briefpack.brief.config import load_settings
    from briefpack.tokens.models import resolve_model

    config = load_settings(path.resolve()).config
    return resolve_model(config.model, config.models).encoding


def run_hook(path: Path, overrides: Callable[[], dict[str, Any]], *, check: bool = False) -> int:
    """Write and stage the snapshot (or check it); say what happened on stderr; return the
    exit code."""
    from briefpack.snapshot.take import take_snapshot

    try:
        outcome = take_snapshot(path, overrides(), check=check)
    except KeyboardInterrupt:
        _say("error: interrupted")
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:  # the hook must never block a commit by its own failure
        message = exc.message if isinstance(exc, BriefpackError) else f"{type(exc).__name__}: {exc}"
        if check or _strict(path):  # a check that cannot pass must fail, hook or not
            _say(f"error: briefpack snapshot: {message}")
            return int(getattr(exc, "exit_code", ExitCode.ERROR))
        _say(
            f"warning: briefpack snapshot failed, commit goes on: {message} (strict = true blocks it)"
        )
        return 0
    built = outcome.built
    for line in _new_notices(outcome):
        _say(f"warning: {line}")
    for line in _secrets_lines(outcome):
        _say(f"warning: {line}")
    if outcome.fitted_now:
        _say(f"note: {outcome.fitted_now}")
    state = "up to date" if check else "updated" if outcome.changed else "unchanged"
    _say(f"snapshot {state}: {outcome.snapshot.context_path} · {built.budget_summary()}")
    return 0


def _new_notices(outcome: Outcome) -> list[str]:
    """The notices, but those about files unchanged since the last snapshot (`legacy.txt: not
    UTF-8: decoded as cp1252`): they were said when the file changed."""
    reused = outcome.reused
    return [n for n in outcome.built.notices if n.split(": ", 1)[0] not in reused]


SHOWN = 10  # secrets listed one per line at a commit; the rest are counted


def _secrets_lines(outcome: Outcome) -> list[str]:
    """The secrets found in the files this commit changed, one per line (up to SHOWN), and a
    count of all the snapshot holds: those in files unchanged since the last snapshot were
    listed then, and a repository with hundreds would repeat them at every commit."""
    from briefpack.secrets.guard import finding_lines

    findings = outcome.built.findings
    mode = outcome.built.settings.config.secrets
    new = [f for f in findings if f.path not in outcome.reused]
    lines = finding_lines(new[:SHOWN], mode)
    if len(findings) > len(lines):
        action = "left in" if mode == "allow" else "redacted"
        files = len({f.path for f in findings})
        lines.append(
            f"{len(findings)} secret(s) {action} in {files} file(s) of the snapshot ({len(new)}"
            " new); `briefpack snapshot --check` lists them all"
        )
    return lines


def _strict(path: Path) -> bool:
    from briefpack.brief.config import load_settings

    try:
        return load_settings(path.resolve()).config.strict
    except BriefpackError:
        return False  # a config too broken to read cannot ask for strictness


def _say(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()

"""Live schema dumps: run the configured commands, scrub what should not travel, keep the output.

`schema_commands = ["sqlite3 app.db .schema", "pg_dump --schema-only \\"$DATABASE_URL\\""]` run
through the shell in the config's folder, each under `schema_timeout` seconds. A failure is
reported with the command and its stderr, and the brief goes on without that dump (unless strict).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from briefpack.brief.parts import Doc
from briefpack.brief.read import decode
from briefpack.brief.render import COMMAND_PREFIX

# What churns between dumps of the same schema, or names people and roles: dropped.
_SCRUB = (
    (re.compile(r"[ \t]*AUTO_INCREMENT=\d+"), ""),
    (re.compile(r"[ \t]*DEFINER[ \t]*=[ \t]*(?:`[^`]*`|'[^']*'|\S+?)@(?:`[^`]*`|'[^']*'|\S+)"), ""),
    (
        re.compile(
            r"^[ \t]*ALTER [^;\n]* OWNER TO [^;\n]*;[ \t]*\n?", re.MULTILINE | re.IGNORECASE
        ),
        "",
    ),
    (re.compile(r"^[ \t]*(?:GRANT|REVOKE) [^;]*;[ \t]*\n?", re.MULTILINE | re.IGNORECASE), ""),
    (re.compile(r"; Owner: [^;\n]*"), ""),
)


@dataclass(frozen=True)
class Failure:
    """A schema command that did not give a dump."""

    command: str
    reason: str


def scrub(text: str) -> str:
    """`text` without AUTO_INCREMENT counters, DEFINERs, owners and grants."""
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text


def run_schema_commands(
    commands: Sequence[str], cwd: Path, timeout: float
) -> tuple[list[Doc], list[Failure]]:
    """A Doc (named `$ command`) per command that succeeded, and the failures."""
    docs: list[Doc] = []
    failures: list[Failure] = []
    for command in commands:
        result = _run(command, cwd, timeout)
        if isinstance(result, Failure):
            failures.append(result)
        else:
            docs.append(Doc(COMMAND_PREFIX + command, scrub(result)))
    return docs, failures


def _run(command: str, cwd: Path, timeout: float) -> str | Failure:
    try:
        proc = subprocess.Popen(
            command,
            shell=True,  # a user's own command line from their config, as in a Makefile
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # so a timeout can stop the whole pipeline it starts
        )
    except OSError as exc:
        return Failure(command, str(exc))
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return Failure(command, f"timed out after {timeout:g} s")
    if proc.returncode != 0:
        first = next((ln for ln in decode(err)[0].splitlines() if ln.strip()), "")
        return Failure(command, f"exit {proc.returncode}" + (f": {first.strip()}" if first else ""))
    return decode(out)[0]

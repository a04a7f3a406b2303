"""The command line: `briefpack`, a Typer app; each command module registers its commands."""

from __future__ import annotations

import sys

from briefpack.cli import cmd_brief, cmd_build, cmd_runs, cmd_send, cmd_snapshot  # noqa: F401  (they register their commands)
from briefpack.cli.util import app, stdout_closed

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    finally:
        # Output still buffered goes out here, so a reader that left (`| head`) ends the run as
        # quietly as one that left mid-command, not with Python's "Exception ignored" at exit.
        try:
            if sys.stdout is not None:  # None when started with stdout closed (`>&-`)
                sys.stdout.flush()
        except BrokenPipeError:
            stdout_closed()

"""The command line: `briefpack`, a Typer app; each command module registers its commands."""

from __future__ import annotations

from briefpack import cmd_brief, cmd_build, cmd_runs, cmd_send, cmd_snapshot  # noqa: F401  (they register their commands)
from briefpack.cliutil import app

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()

"""The command line: the Typer app, one module per command group, and the reports it prints.
The only stage that knows Typer and Rich consoles; it turns BriefpackError into exit codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefpack import surface

if TYPE_CHECKING:
    from briefpack.cli.app import main

__all__ = ["main"]

__getattr__, __dir__ = surface(
    __name__,
    {
        "app": ("main",),
    },
)

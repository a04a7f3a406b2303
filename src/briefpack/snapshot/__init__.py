"""The snapshot stage: the context file and its manifest, kept fresh by a pre-commit hook that
stages them with the commit; hook install and uninstall.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefpack import surface

if TYPE_CHECKING:
    from briefpack.snapshot.hook import install, uninstall
    from briefpack.snapshot.hookrun import run_hook
    from briefpack.snapshot.manifest import snapshot_path
    from briefpack.snapshot.take import Outcome, StaleSnapshot, take_snapshot

__all__ = [
    "Outcome",
    "StaleSnapshot",
    "install",
    "run_hook",
    "snapshot_path",
    "take_snapshot",
    "uninstall",
]

__getattr__, __dir__ = surface(
    __name__,
    {
        "take": ("Outcome", "StaleSnapshot", "take_snapshot"),
        "manifest": ("snapshot_path",),
        "hookrun": ("run_hook",),
        "hook": ("install", "uninstall"),
    },
)

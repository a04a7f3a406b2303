"""The brief stage: config -> discover -> gather (work tree or git's index, the snapshot memo) ->
read -> guard (secrets) -> choose (rank and fit, by the select stage) -> render, then check and
emit. Pure: a folder and settings in, a Built brief (its text, counts and why) out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefpack import surface

if TYPE_CHECKING:
    from briefpack.brief.check import check_brief
    from briefpack.brief.config import (
        CONFIG_NAME,
        DEFAULT_MODEL,
        Settings,
        dump_config,
        find_config,
        find_git_root,
        load_settings,
    )
    from briefpack.brief.discover import sort_key
    from briefpack.brief.guard import guard_brief, guard_text
    from briefpack.brief.parts import Brief, Doc
    from briefpack.brief.pipeline import Built, build, resolve_root
    from briefpack.brief.presets import all_presets
    from briefpack.brief.render import display_path, is_command_output
    from briefpack.brief.task import TEMPLATE, new_file_path, read_task

__all__ = [
    "CONFIG_NAME",
    "DEFAULT_MODEL",
    "TEMPLATE",
    "Brief",
    "Built",
    "Doc",
    "Settings",
    "all_presets",
    "build",
    "check_brief",
    "display_path",
    "dump_config",
    "find_config",
    "find_git_root",
    "guard_brief",
    "guard_text",
    "is_command_output",
    "load_settings",
    "new_file_path",
    "read_task",
    "resolve_root",
    "sort_key",
]

__getattr__, __dir__ = surface(
    __name__,
    {
        "config": (
            "CONFIG_NAME",
            "DEFAULT_MODEL",
            "Settings",
            "dump_config",
            "find_config",
            "find_git_root",
            "load_settings",
        ),
        "pipeline": ("Built", "build", "resolve_root"),
        "check": ("check_brief",),
        "discover": ("sort_key",),
        "guard": ("guard_brief", "guard_text"),
        "presets": ("all_presets",),
        "parts": ("Brief", "Doc"),
        "render": ("display_path", "is_command_output"),
        "task": ("TEMPLATE", "new_file_path", "read_task"),
    },
)

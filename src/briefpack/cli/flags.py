"""The flags every brief-making command shares (`-g/-f/-w`, `--task`, `--budget`, ...), and the
decorator that adds them to a command as one `flags: BriefFlags` argument."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any

import typer

from briefpack.cli.util import warn


@dataclass(frozen=True)
class BriefFlags:
    """The flags every brief-making command shares; None means 'not given'."""

    path: Path = Path()
    goal: str | None = None
    format: str | None = None
    warn: list[str] | None = None
    tried: str | None = None
    style: str | None = None
    model: str | None = None
    effort: str | None = None
    include: list[str] | None = None
    exclude: list[str] | None = None
    budget: int | None = None
    fit: bool | None = None
    full: list[str] | None = None
    no_default_excludes: bool = False
    no_cache: bool = False
    secrets: str | None = None
    task: Path | None = None
    note: list[str] | None = None
    diff: bool = False
    log: int | None = None
    restate: bool = False
    verbose: bool = False

    def overrides(self) -> dict[str, Any]:
        """Config keys set by these flags, then by `--task FILE` (flag > task > repo > user)."""
        values = self._flag_values()
        if self.task is not None:
            from briefpack.brief import read_task

            task = read_task(self.task)
            for title in task.ignored:
                warn(
                    f"{self.task}: section '{title}' is not one briefpack reads (Goal, Return"
                    " format, Warnings, What I tried): its text is left out"
                )
            given: dict[str, Any] = {
                "goal": task.goal,
                "format": task.format,
                "warnings": list(task.warnings),
                "tried": task.tried,
            }
            for key, value in given.items():
                if values[key] is None and value:
                    values[key] = value
        return values

    def building_flags(self) -> list[str]:
        """The flags given that only shape a brief being built (`--goal`, `--diff`, ...): all but
        PATH and `--model`, `--effort`, `--secrets`, which also apply to a finished brief."""
        return [
            "--" + f.name.replace("_", "-")
            for f in fields(self)
            if f.name not in _ALSO_FINISHED and _given(getattr(self, f.name))
        ]

    def _flag_values(self) -> dict[str, Any]:
        return {
            "goal": self.goal,
            "format": self.format,
            "warnings": self.warn or None,
            "tried": self.tried,
            "style": self.style,
            "model": self.model,
            "effort": self.effort,
            "include": self.include or None,
            "exclude": self.exclude or None,
            "budget": self.budget,
            "fit": self.fit,
            "full": self.full or None,
            "default_excludes": False if self.no_default_excludes else None,
            "cache": False if self.no_cache else None,
            "secrets": self.secrets,
            "use_notes": self.note or None,
            "diff": self.diff or None,
            "log": self.log,
            "restate": self.restate or None,
        }


_ALSO_FINISHED = frozenset({"path", "model", "effort", "secrets", "verbose"})
_BRIEF_OPTIONS: dict[str, Any] = {
    "path": Annotated[
        Path, typer.Argument(help="Folder to brief.", show_default=True, metavar="PATH")
    ],
    "goal": Annotated[
        str | None, typer.Option("-g", "--goal", help="What you want back.", metavar="TEXT")
    ],
    "format": Annotated[
        str | None, typer.Option("-f", "--format", help="The shape of the answer.", metavar="TEXT")
    ],
    "warn": Annotated[
        list[str] | None,
        typer.Option(
            "-w", "--warn", help="A constraint or success criterion (repeatable).", metavar="TEXT"
        ),
    ],
    "tried": Annotated[
        str | None, typer.Option("--tried", help="What was already tried.", metavar="TEXT")
    ],
    "style": Annotated[
        str | None, typer.Option("--style", help="markdown (default) or xml.", metavar="STYLE")
    ],
    "model": Annotated[
        str | None, typer.Option("--model", "-m", help="Model id (see `models`).", metavar="ID")
    ],
    "effort": Annotated[
        str | None,
        typer.Option(
            "--effort", "-e", help="Reasoning effort (sets the reserve).", metavar="LEVEL"
        ),
    ],
    "include": Annotated[
        list[str] | None,
        typer.Option(
            "-i",
            "--include",
            help="Only code files matching this glob (repeatable).",
            metavar="GLOB",
        ),
    ],
    "exclude": Annotated[
        list[str] | None,
        typer.Option(
            "-x",
            "--exclude",
            help="Leave out files matching this glob (repeatable).",
            metavar="GLOB",
        ),
    ],
    "budget": Annotated[
        int | None,
        typer.Option(
            "--budget", help="Token budget (default: model window - reserve).", metavar="TOKENS"
        ),
    ],
    "fit": Annotated[
        bool | None,
        typer.Option(
            "--fit/--no-fit",
            help="Over budget, step files down to outline or path (the default); --no-fit: fail.",
        ),
    ],
    "full": Annotated[
        list[str] | None,
        typer.Option(
            "--full",
            help="Always carry these files in full text, first (repeatable).",
            metavar="GLOB",
        ),
    ],
    "no_default_excludes": Annotated[
        bool,
        typer.Option(
            "--no-default-excludes", help="Keep lockfiles, minified bundles, .env*, big files."
        ),
    ],
    "no_cache": Annotated[bool, typer.Option("--no-cache", help="Do not use the token cache.")],
    "task": Annotated[
        Path | None,
        typer.Option(
            "--task", help="Goal, format, warnings and tried from a task file.", metavar="FILE"
        ),
    ],
    "note": Annotated[
        list[str] | None,
        typer.Option("--note", help="Only this note from the notes (repeatable).", metavar="NAME"),
    ],
    "diff": Annotated[
        bool, typer.Option("--diff", help="Add the staged and unstaged diff as context.")
    ],
    "log": Annotated[
        int | None,
        typer.Option("--log", help="Add the last N commit messages as context.", metavar="N"),
    ],
    "restate": Annotated[
        bool, typer.Option("--restate", help="Repeat goal and format after the context.")
    ],
    "verbose": Annotated[
        bool,
        typer.Option("-v", "--verbose", help="List each secret redacted, not only their count."),
    ],
    "secrets": Annotated[
        str | None,
        typer.Option(
            "--secrets",
            help="Secrets found: redact (default), block (exit 4) or allow.",
            metavar="MODE",
        ),
    ],
}


def _given(value: object) -> bool:
    """Whether a flag was given (`--log 0` was; 0 == False, hence `is`)."""
    return value is not None and value is not False and value != []


def with_brief_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared brief flags to a command; it receives them as `flags: BriefFlags`."""
    sig = inspect.signature(func)
    hints = typing.get_type_hints(func, include_extras=True)
    own = [
        p.replace(annotation=hints[name]) for name, p in sig.parameters.items() if name != "flags"
    ]
    shared = [
        inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=f.default,
            annotation=_BRIEF_OPTIONS[f.name],
        )
        for f in fields(BriefFlags)
    ]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        flags = BriefFlags(**{f.name: kwargs.pop(f.name) for f in fields(BriefFlags)})
        return func(flags=flags, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=own + shared)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in own + shared}
    del wrapper.__wrapped__  # Typer must read the new signature, not the original
    return wrapper

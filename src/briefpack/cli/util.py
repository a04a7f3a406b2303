"""Command-line plumbing shared by the command modules: the app, consoles, flags, errors."""

from __future__ import annotations

import functools
import inspect
import json
import os
import sys
import typing
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from rich.console import Console

from briefpack import __version__
from briefpack.errors import BriefpackError, ExitCode

app = typer.Typer(
    name="briefpack",
    help="Pack a repository into one brief for a reasoning model: goal, return format, "
    "warnings, then the context.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def stdout_closed() -> NoReturn:
    """stdout's reader went away (`briefpack ls | head -1`): stop quietly, as git does (141)."""
    # What is still buffered can go nowhere; aim it at /dev/null so the exit's flush succeeds.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(int(ExitCode.PIPE_CLOSED))


class _Stdout(Console):
    """The stdout console; Rich's own reaction to a closed pipe exits 1."""

    def on_broken_pipe(self) -> None:
        """The reader went away while Rich was writing."""
        self.quiet = True
        stdout_closed()


# emoji=False: a path such as `a:100:b.py` must print as written, not as an emoji
err = Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)
out = _Stdout(highlight=False, soft_wrap=True, emoji=False)

F = TypeVar("F", bound=Callable[..., Any])


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


def handle_errors(func: F) -> F:
    """Turn BriefpackError, Ctrl-C and unexpected errors into a message and an exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BriefpackError as exc:
            fail(exc.message, hint=exc.hint, code=exc.exit_code)
        except KeyboardInterrupt:
            fail("interrupted", code=ExitCode.INTERRUPTED)
        except BrokenPipeError:  # Typer would turn it into exit 1
            stdout_closed()
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            if os.environ.get("BRIEFPACK_DEBUG"):
                raise
            fail(
                f"internal error: {type(exc).__name__}: {exc}",
                hint="set BRIEFPACK_DEBUG=1 for a traceback, and please report it",
            )

    return wrapper  # type: ignore[return-value]


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


def fail(message: str, *, hint: str | None = None, code: int = ExitCode.ERROR) -> None:
    """Print `error: …` and `hint: …` on stderr, then exit with `code`."""
    err.print(f"error: {message}", style="red", markup=False)
    if hint:
        err.print(f"hint: {hint}", style="dim", markup=False)
    raise typer.Exit(int(code))


def warn(message: str) -> None:
    """A warning on stderr (stdout stays the clean product)."""
    err.print(f"warning: {message}", style="yellow", markup=False)


def print_json(data: Any) -> None:
    """JSON on stdout, raw."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"briefpack {__version__}\n")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """Pack a repository into one brief for a reasoning model."""

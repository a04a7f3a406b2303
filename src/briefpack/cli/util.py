"""Command-line plumbing shared by the command modules: the app, consoles, flags, errors."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
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

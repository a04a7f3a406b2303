"""The project's one exception type and its exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Documented exit codes (the README's table is checked against this enum)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    OVER_BUDGET = 3
    SECRETS = 4
    CHECK_FAILED = 5
    API = 6
    NOT_SENT = 7
    INTERRUPTED = 130
    # stdout's reader went away (`briefpack ls | head -1`): git and coreutils die of SIGPIPE,
    # which a shell reports as 128 + 13.
    PIPE_CLOSED = 141


class BriefpackError(Exception):
    """An error the user can act on: a one-line message, an optional hint, an exit code."""

    exit_code: ExitCode = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str | None = None, exit_code: ExitCode | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(BriefpackError):
    """A broken, mistyped or unknown setting in a config file."""


class UsageError(BriefpackError):
    """Flags or arguments that do not fit together."""

    exit_code = ExitCode.USAGE


class OverBudgetError(BriefpackError):
    """The brief does not fit the model's budget."""

    exit_code = ExitCode.OVER_BUDGET

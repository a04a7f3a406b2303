"""Settings: find `.briefpack.toml`, load and check it, merge flag > repo > user > default."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from briefpack.errors import ConfigError, ExitCode, UsageError
from briefpack.secrets import SecretsMode
from briefpack.tokens.models import ModelInfo

CONFIG_NAME = ".briefpack.toml"
DEFAULT_MODEL = "gpt-5.6-sol"

Style = Literal["markdown", "xml"]
Effort = Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"]
Api = Literal["responses", "chat"]


# The brief checker's rules (check.py), which `skip_checks` may turn off.
CHECK_CODES = (
    "no-goal",
    "several-outputs",
    "how-not-what",
    "no-format",
    "no-warnings",
    "thin-context",
    "over-budget",
)


@dataclass(frozen=True)
class Config:
    """Every setting briefpack reads; each field is a key of `.briefpack.toml`."""

    # The brief's first three parts.
    goal: str = ""
    format: str = ""
    warnings: tuple[str, ...] = ()
    tried: str = ""
    tried_file: str = ""
    style: Style = "markdown"
    restate: bool = False
    diff: bool = False
    log: int = 0
    # What goes into the context.
    about: str = ""
    notes: tuple[str, ...] = ()
    schema: tuple[str, ...] = ()
    schema_commands: tuple[str, ...] = ()
    schema_timeout: float = 30.0
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    full: tuple[str, ...] = ()  # pins: always in full text, first (or an error if they cannot fit)
    default_excludes: bool = True
    disable_defaults: tuple[str, ...] = ()
    max_file_size: int = 1_000_000
    submodules: bool = False
    # Model, tokens and budget.
    model: str = DEFAULT_MODEL
    effort: Effort = "high"
    budget: int | None = None
    reserve: int | None = None
    fit: bool = True  # over budget, step files down the ladder; false: the over-budget error
    cache: bool = True
    # Secrets.
    secrets: SecretsMode = "redact"
    secrets_allow_files: tuple[str, ...] = ()
    # Sending.
    api: Api = "responses"
    base_url: str = ""
    max_output_tokens: int | None = None
    max_cost: float | None = None
    markdown_answer: bool = True
    runs_dir: str = ".briefpack/runs"
    # Snapshot and hook.
    snapshot_path: str = ".briefpack/context.md"
    snapshot_stage: bool = True
    snapshot_brief: bool = False
    snapshot_fit: bool = True  # fit the snapshot to the budget by the ladder; false: whole text
    snapshot_budget: int | None = None  # a smaller budget for the snapshot (default: the model's)
    strict: bool = False
    skip_checks: tuple[str, ...] = ()  # brief-checker codes to turn off (`thin-context`, ...)
    # Task files and notes.
    tasks_dir: str = ".briefpack/tasks"
    notes_dir: str = "notes"
    use_notes: tuple[str, ...] = ()
    # Tables.
    presets: dict[str, str] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Settings:
    """A merged Config plus where it came from."""

    config: Config
    root: Path
    path: Path | None


_HINTS = typing.get_type_hints(Config)
_MODEL_HINTS = {k: v for k, v in typing.get_type_hints(ModelInfo).items() if k != "id"}
KEYS: tuple[str, ...] = tuple(f.name for f in fields(Config))
# The flag that sets a key, where it is not the key with dashes (as `--max-cost` sets `max_cost`).
FLAGS = {"warnings": "--warn", "use_notes": "--note"}
ADDITIVE = frozenset({"exclude"})  # flags that add to the config's list rather than replace it
# What a number may be: below it, a setting would do what nobody means (`--log -3` ran
# `git log -n -3`, the whole history; `--budget 0` fits nothing).
RANGES: dict[str, tuple[str, Callable[[float], bool]]] = {
    "budget": ("1 or more", lambda n: n >= 1),
    "log": ("0 or more", lambda n: n >= 0),
    "schema_timeout": ("more than 0", lambda n: n > 0),
    "max_output_tokens": ("1 or more", lambda n: n >= 1),
    "max_cost": ("0 or more", lambda n: n >= 0),
}


def find_git_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding a `.git` entry."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def find_config(start: Path) -> Path | None:
    """The nearest `.briefpack.toml` from `start` up to the git root (only `start` outside git)."""
    top = find_git_root(start)
    folders = (
        [start] if top is None else [start, *start.parents[: len(start.parents) - len(top.parents)]]
    )
    for folder in folders:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def user_config_path() -> Path:
    """`$BRIEFPACK_CONFIG_DIR/config.toml`, else the XDG config folder's `briefpack/config.toml`."""
    explicit = os.environ.get("BRIEFPACK_CONFIG_DIR")
    if explicit:
        return Path(explicit) / "config.toml"
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(xdg) / "briefpack" / "config.toml"


def load_settings(start: Path, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Merge defaults, the user config, the repo config, then flag overrides (non-None only)."""
    config = Config()
    user = user_config_path()
    if user.is_file():
        config = replace(config, **read_config_file(user))
    path = find_config(start)
    if path is not None:
        config = replace(config, **read_config_file(path))
    flags = {k: v for k, v in (overrides or {}).items() if v is not None}
    for key, value in flags.items():
        _check_value(key, value, "flag")
    for key in ADDITIVE & flags.keys():  # `-x GLOB` leaves out more; it does not undo the config's
        flags[key] = [*getattr(config, key), *flags[key]]
    config = replace(config, **{k: _freeze(k, v) for k, v in flags.items()})
    root = path.parent if path is not None else start
    return Settings(config=config, root=root, path=path)


def read_config_file(path: Path) -> dict[str, Any]:
    """Parse and check one config file; any problem is a one-line ConfigError naming file and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid TOML: {exc}", hint="fix the file or move it away"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    for key, value in data.items():
        if key not in _HINTS:
            raise ConfigError(
                f"{path}: unknown key '{key}'",
                hint="known keys are listed in the README (Configuration)",
            )
        _check_value(key, value, str(path))
    return {k: _freeze(k, v) for k, v in data.items()}


def dump_config(values: Mapping[str, Any]) -> str:
    """TOML text for `values` (tuples written as arrays)."""
    import tomli_w

    plain = {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
    return tomli_w.dumps(plain)


def _freeze(key: str, value: Any) -> Any:
    if get_origin(_HINTS[key]) is tuple:
        return tuple(value)
    return value


def _check_value(key: str, value: Any, where: str) -> None:
    expected = _HINTS[key]
    if not _matches(expected, value):
        raise _bad_value(key, where, f"must be {_describe(expected)}, not {_show(value)}")
    if key in RANGES and not RANGES[key][1](value):
        # out of range is a usage error (exit 2), in a flag or in a file
        problem = f"must be {RANGES[key][0]}, not {value}"
        raise _bad_value(key, where, problem, exit_code=ExitCode.USAGE)
    if key == "presets":
        for name, text in value.items():
            if not isinstance(text, str):
                raise ConfigError(
                    f"{where}: preset '{name}' must be a string (text), not {_show(text)}",
                    hint=f'[presets] {name} = "The shape of the answer, in words"',
                )
    if key == "models":
        for model_id, row in value.items():
            _check_model_row(model_id, row, where)
    if key == "skip_checks":
        for code in value:
            if code not in CHECK_CODES:
                raise _bad_value(
                    key, where, f"names no check: {code!r} (checks: {', '.join(CHECK_CODES)})"
                )


def _bad_value(
    key: str, where: str, problem: str, *, exit_code: ExitCode | None = None
) -> ConfigError | UsageError:
    """A flag's bad value names the flag (a usage error); a file's names the file and key."""
    if where == "flag":
        return UsageError(f"{FLAGS.get(key, '--' + key.replace('_', '-'))} {problem}")
    return ConfigError(f"{where}: key '{key}' {problem}", exit_code=exit_code)


def _check_model_row(model_id: str, row: Any, where: str) -> None:
    """Every key of a `[models."<id>"]` row, checked when the file loads, not when it is used."""
    table = f'[models."{model_id}"]'
    if not isinstance(row, dict):
        raise ConfigError(f"{where}: {table} must be a table, not {_show(row)}")
    for key, value in row.items():
        if key not in _MODEL_HINTS:
            raise ConfigError(
                f"{where}: {table} has unknown key '{key}'",
                hint="known keys: " + ", ".join(_MODEL_HINTS),
            )
        expected = _MODEL_HINTS[key]
        if not _matches(expected, value):
            raise ConfigError(
                f"{where}: {table} key '{key}' must be {_describe(expected)}, not {_show(value)}"
            )
        if key == "shutdown" and not _is_date(value):
            raise ConfigError(
                f"{where}: {table} key 'shutdown' must be a date as YYYY-MM-DD, not {_show(value)}"
            )


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _matches(expected: Any, value: Any) -> bool:
    origin = get_origin(expected)
    args = get_args(expected)
    if origin is Literal:
        return value in args
    if origin in (types.UnionType, typing.Union):
        return any(_matches(arg, value) for arg in args if arg is not type(None))
    if origin is tuple:
        return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    if origin is dict:  # its entries are checked one by one, to name the one that is wrong
        return isinstance(value, dict)
    if expected is Any:
        return True
    if expected is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, expected)


def _describe(expected: Any) -> str:
    origin = get_origin(expected)
    args = get_args(expected)
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_describe(a) for a in args if a is not type(None))
    if origin is tuple:
        return "a list of strings"
    if origin is dict:
        return "a table"
    return {str: "a string", bool: "true or false", int: "an integer", float: "a number"}.get(
        expected, str(expected)
    )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."

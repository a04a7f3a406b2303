"""The README is the contract: its commands and CI agree."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from briefpack.cli.app import app

ROOT = Path(__file__).parent.parent


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```sh\n(python3 -m venv[^\n]*)\n```", text)


def test_readme_opens_with_exactly_two_commands() -> None:
    commands = readme_commands()
    assert len(commands) == 2
    assert "briefpack build" in commands[0] and "examples/" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def _commands() -> list[tuple[str, Any]]:
    """Every command and subcommand, as (full name, command object)."""
    found: list[tuple[str, Any]] = []

    def walk(prefix: str, command: Any) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in sorted(subcommands.items()):
                walk(f"{prefix} {name}".strip(), sub)
        if prefix:
            found.append((prefix, command))

    walk("", typer.main.get_command(app))
    return found


SELF_EVIDENT = {"--help", "--install-completion", "--show-completion"}


def test_readme_documents_every_command_and_flag() -> None:
    """The README's command reference cannot drift from `--help`: a new flag must be documented."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing: list[str] = []
    for name, command in _commands():
        if f"briefpack {name}" not in readme:
            missing.append(f"briefpack {name}")
        for param in command.params:
            if param.param_type_name != "option":
                continue
            for flag in param.opts + param.secondary_opts:
                if flag.startswith("--") and flag not in SELF_EVIDENT and flag not in readme:
                    missing.append(f"briefpack {name} {flag}")
    assert missing == []


def test_every_command_has_help() -> None:
    for name, command in _commands():
        assert command.help or command.short_help, name


def test_readme_documents_every_environment_variable() -> None:
    """Every BRIEFPACK_* variable the code reads is named in the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = {
        m
        for path in (ROOT / "src").rglob("*.py")
        for m in re.findall(r"\bBRIEFPACK_[A-Z_]+\b", path.read_text(encoding="utf-8"))
    }
    assert named and sorted(n for n in named if n not in readme) == []

"""Commands that make the brief itself better: `check`, `new` (task files), `presets`."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from briefpack.cli.flags import BriefFlags, with_brief_options
from briefpack.cli.util import app, err, handle_errors, out, print_json, warn
from briefpack.errors import BriefpackError, ExitCode


@app.command("check")
@handle_errors
@with_brief_options
def check_command(
    *,
    flags: BriefFlags,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 5 when there is any finding.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Review the brief against what reasoning models need (no model call)."""
    from briefpack.brief import check_brief
    from briefpack.cli.cmd_build import make_brief

    findings = check_brief(make_brief(flags, goal_needed=False))
    if as_json:
        print_json([{"code": f.code, "message": f.message} for f in findings])
    else:
        for finding in findings:
            warn(f"{finding.message} [{finding.code}]")
        if not findings:
            err.print("the brief looks good", style="green")
    if strict and findings:
        raise typer.Exit(int(ExitCode.CHECK_FAILED))


@app.command("presets")
@handle_errors
def presets_command(
    path: Annotated[Path, typer.Argument(help="Folder whose config adds presets.")] = Path(),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the return-format presets for `-f @NAME` (built in, and from config)."""
    from briefpack.brief import all_presets, load_settings

    presets = all_presets(load_settings(path.resolve()).config.presets)
    if as_json:
        print_json(presets)
        return
    for name, text in presets.items():
        out.print(f"[bold]@{name}[/bold]  {text}", highlight=False)


@app.command("new")
@handle_errors
def new_command(
    name: Annotated[str, typer.Argument(help="Task name (the file name).")] = "task",
    path: Annotated[
        Path, typer.Option("--root", "-C", help="Repository folder.", metavar="PATH")
    ] = Path(),
) -> None:
    """Write a task file (Goal, Return format, Warnings, What I tried) and open it in $EDITOR."""
    from briefpack.brief import TEMPLATE

    target = _fresh_file(path, "tasks_dir", name)
    target.write_text(TEMPLATE, encoding="utf-8")
    if _editor() and sys.stdin.isatty():
        _edit(target)
    err.print(f"wrote {target}; brief it with: briefpack build --task {target}", markup=False)


def _fresh_file(root: Path, folder_key: str, name: str) -> Path:
    """A new `<name>.md` in the configured folder `folder_key` (never an existing file)."""
    from briefpack.brief import load_settings, new_file_path
    from briefpack.tokens import keep_local

    settings = load_settings(root.resolve())
    target = new_file_path(settings.root / getattr(settings.config, folder_key), name)
    target.parent.mkdir(parents=True, exist_ok=True)
    keep_local(target)
    return target


def _editor() -> str | None:
    return os.environ.get("VISUAL") or os.environ.get("EDITOR")


def _edit(target: Path) -> None:
    """Let the user write `target` in their editor; as `git commit` does, an editor that cannot
    run or fails, or a file left as it was, aborts: the file is removed and nothing is saved."""
    command = _editor() or "vi"
    before = target.read_text(encoding="utf-8")
    try:
        code = subprocess.run([*shlex.split(command), str(target)], check=False).returncode
    except (OSError, ValueError) as exc:  # not installed, not executable, unbalanced quotes
        raise _abort(
            target,
            f"cannot run the editor '{command}': {getattr(exc, 'strerror', None) or exc}",
            hint="set $VISUAL or $EDITOR to an installed editor (one that waits: 'code --wait')",
        ) from None
    if code:
        raise _abort(target, f"the editor '{command}' exited with {code}")
    try:
        after = target.read_text(encoding="utf-8", errors="replace")
    except OSError:
        after = before
    if after.strip() == before.strip():
        raise _abort(
            target,
            f"{target.name} was left unchanged",
            hint="write the text in the editor and save it before closing it",
        )


def _abort(target: Path, problem: str, *, hint: str | None = None) -> BriefpackError:
    """Remove the file the editor was given; the error to raise."""
    target.unlink(missing_ok=True)
    return BriefpackError(f"{problem}: nothing was saved", hint=hint)


note_app = typer.Typer(help="Keep reusable notes (company, lingo, transcripts) for every brief.")
app.add_typer(note_app, name="note")


@note_app.command("add")
@handle_errors
def note_add(
    name: Annotated[str, typer.Argument(help="The note's name (its file name).")],
    path: Annotated[
        Path, typer.Option("--root", "-C", help="Repository folder.", metavar="PATH")
    ] = Path(),
) -> None:
    """Save stdin (or, at a terminal, what you write in $EDITOR) as a note in the notes folder."""
    if sys.stdin.isatty() and not _editor():
        raise BriefpackError(
            "nothing to save",
            hint="pipe the note in (briefpack note add NAME < file) or set $EDITOR",
        )
    text = "" if sys.stdin.isatty() else sys.stdin.read()
    if not sys.stdin.isatty() and not text.strip():
        raise BriefpackError("the note is empty: nothing was saved")
    target = _fresh_file(path, "notes_dir", name)
    if text:
        target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        target.write_text(f"# {name}\n\n", encoding="utf-8")
        _edit(target)
    err.print(f"saved {target}", style="green", markup=False)


@note_app.command("list")
@handle_errors
@with_brief_options
def note_list(
    *,
    flags: BriefFlags,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The notes that go into the brief, with their tokens."""
    from briefpack.brief import display_path
    from briefpack.cli.cmd_build import make_brief

    built = make_brief(flags, goal_needed=False)
    notes = [(p, n) for s, p, n in built.file_tokens() if s == "notes"]
    if as_json:
        print_json([{"path": p, "tokens": n} for p, n in notes])
        return
    for note, tokens in notes:
        sys.stdout.write(f"{tokens:>9,}  {display_path(note)}\n")

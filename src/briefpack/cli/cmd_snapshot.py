"""Commands for the snapshot kept in the repository: `snapshot` and `hook install|uninstall|status`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from briefpack.brief import find_git_root
from briefpack.cli.flags import BriefFlags, with_brief_options
from briefpack.cli.util import app, err, handle_errors, warn
from briefpack.errors import BriefpackError, ExitCode

hook_app = typer.Typer(
    help="Install or remove the git pre-commit hook that keeps the snapshot fresh.",
    no_args_is_help=True,
)
app.add_typer(hook_app, name="hook")


@app.command("snapshot")
@with_brief_options
def snapshot_command(
    *,
    flags: BriefFlags,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 5 if the snapshot is stale; write nothing.")
    ] = False,
    hook: Annotated[
        bool,
        typer.Option("--hook", help="As the pre-commit hook: a failure warns, unless strict."),
    ] = False,
) -> None:
    """Write the context snapshot and its manifest from what is staged, and stage them."""
    if hook:
        from briefpack.snapshot import run_hook

        raise typer.Exit(run_hook(flags.path, flags.overrides, check=check))
    handle_errors(_snapshot)(flags, check=check)


def _snapshot(flags: BriefFlags, *, check: bool) -> None:
    from briefpack.cli import report
    from briefpack.cli.cmd_build import report_secrets
    from briefpack.cli.progress import showing
    from briefpack.snapshot import take_snapshot

    with showing() as progress:
        outcome = take_snapshot(flags.path, flags.overrides(), check=check, progress=progress)
    built, snap = outcome.built, outcome.snapshot
    for notice in built.notices:
        warn(notice)
    report_secrets(built.findings, built.settings.config.secrets, verbose=flags.verbose)
    if check:
        err.print(f"snapshot is up to date: {snap.context_path}", markup=False)
        return
    if outcome.fitted_now:
        err.print(f"note: {outcome.fitted_now}", markup=False)
    state = "updated" if outcome.changed else "unchanged"
    err.print(f"snapshot {state}: {snap.context_path} · {report.budget_line(built)}", markup=False)


@hook_app.command("install")
@handle_errors
def hook_install(
    path: Annotated[Path, typer.Argument(help="Repository folder.", metavar="PATH")] = Path(),
    force: Annotated[
        bool, typer.Option("--force", help="Set an existing hook aside instead of chaining it.")
    ] = False,
    first: Annotated[
        bool,
        typer.Option(
            "--snapshot/--no-snapshot",
            help="Write the first snapshot now, with progress on a terminal (the first commit "
            "stages it and reuses its work).",
        ),
    ] = True,
) -> None:
    """Install the pre-commit hook (an existing hook is kept and run first), and a merge driver
    that keeps the snapshot out of merge conflicts."""
    from briefpack.snapshot import hook

    repo = _repo(path)
    outcome = hook.install(repo, force=force, snapshot=_snapshot_file(repo))
    where = hook.state(repo).path
    notes = {
        "installed": f"installed {where}",
        "updated": f"updated {where} (it was already installed)",
        "chained": f"installed {where}; the hook that was there runs first, from {hook.CHAINED}",
        "replaced": f"installed {where}; the hook that was there is kept as {hook.REPLACED}",
    }
    err.print(notes[outcome], style="green", markup=False)
    err.print(
        "the snapshot never conflicts in a merge: it keeps this side's, and the next commit"
        " rewrites it (merge=briefpack-snapshot, in .git/info/attributes)",
        markup=False,
    )
    if first:
        _first_snapshot(repo)


def _first_snapshot(repo: Path) -> None:
    """The first snapshot, written now rather than at the first commit, where the hook works
    silently: on a large repository it takes seconds, and here a terminal shows them. It is
    not staged; the first commit stages it, taking every unchanged file from it."""
    from briefpack.cli import report
    from briefpack.cli.progress import showing
    from briefpack.snapshot import take_snapshot

    try:
        with showing() as progress:
            outcome = take_snapshot(repo, {"snapshot_stage": False}, check=False, progress=progress)
    except KeyboardInterrupt:
        warn("interrupted: the hook is installed, and the first commit writes the snapshot")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except Exception as exc:  # the hook is installed: a snapshot that fails is the hook's to say
        why = exc.message if isinstance(exc, BriefpackError) else f"{type(exc).__name__}: {exc}"
        warn(f"no first snapshot: {why} (the hook tries again at each commit)")
        return
    built = outcome.built
    if outcome.fitted_now:
        err.print(f"note: {outcome.fitted_now}", markup=False)
    staged = " (the next commit stages it)" if built.settings.config.snapshot_stage else ""
    where, line = outcome.snapshot.context_path, report.budget_line(built)
    err.print(f"first snapshot: {where} · {line}{staged}", markup=False)


def _snapshot_file(repo: Path) -> Path:
    """The snapshot the config names; the default one if the config cannot be read (the
    hook will say why at the next commit)."""
    from briefpack.brief import load_settings
    from briefpack.snapshot import snapshot_path

    try:
        return snapshot_path(load_settings(repo))
    except BriefpackError:
        return repo / ".briefpack" / "context.md"


@hook_app.command("uninstall")
@handle_errors
def hook_uninstall(
    path: Annotated[Path, typer.Argument(help="Repository folder.", metavar="PATH")] = Path(),
) -> None:
    """Remove briefpack's pre-commit hook and merge driver, putting back the hook it chained
    or set aside."""
    from briefpack.snapshot import hook

    repo = _repo(path)
    outcome = hook.uninstall(repo)
    notes = {
        "removed": "removed briefpack's pre-commit hook",
        "restored": "removed briefpack's pre-commit hook and put back the one it chained",
        "reinstated": "removed briefpack's pre-commit hook and put back the one `hook install "
        f"--force` had set aside as {hook.REPLACED}",
        "absent": "no briefpack pre-commit hook here; nothing changed",
    }
    err.print(notes[outcome], markup=False)
    if outcome != "absent":
        gone = hook.drop_unstaged_snapshot(repo, _snapshot_file(repo), _stages(repo))
        if gone:
            names = ", ".join(str(p) for p in gone)
            err.print(f"removed the snapshot never committed: {names}", markup=False)


def _stages(repo: Path) -> bool:
    """Whether the hook stages the snapshot (`snapshot_stage`; by default it does)."""
    from briefpack.brief import load_settings

    try:
        return load_settings(repo).config.snapshot_stage
    except BriefpackError:
        return True


@hook_app.command("status")
@handle_errors
def hook_status(
    path: Annotated[Path, typer.Argument(help="Repository folder.", metavar="PATH")] = Path(),
) -> None:
    """Say whether the pre-commit hook and the snapshot's merge driver are installed."""
    from briefpack.snapshot import hook

    repo = _repo(path)
    current = hook.state(repo)
    if current.ours:
        chained = f" (runs {hook.CHAINED} first)" if current.chained else ""
        typer.echo(f"installed: {current.path}{chained}")
    elif current.exists:
        typer.echo(f"not installed: {current.path} is another tool's hook")
    else:
        typer.echo(f"not installed: no hook at {current.path}")
    covered = hook.merge_driver(repo)
    if covered:
        typer.echo(f"merge driver: {', '.join(covered)} never conflict")
    else:
        typer.echo("merge driver: not set (`briefpack hook install` sets it)")


def _repo(path: Path) -> Path:
    root = path.resolve()
    if find_git_root(root) is None:
        raise BriefpackError(
            f"not in a git repository: {path}", hint="run it inside a git work tree"
        )
    return Path(os.path.realpath(root))

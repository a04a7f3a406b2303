"""`briefpack runs`: list, show, resume and cancel the runs `send` kept on disk."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from briefpack.brief import load_settings
from briefpack.cli.util import app, err, handle_errors, out, print_json, warn
from briefpack.errors import BriefpackError
from briefpack.send import Run, find_run, list_runs, request
from briefpack.tokens import ModelInfo, resolve_model

if TYPE_CHECKING:
    from briefpack.send import Session

runs_app = typer.Typer(
    help="List, show, resume and cancel runs (kept in runs_dir).",
    rich_markup_mode=None,
    invoke_without_command=True,
)
app.add_typer(runs_app, name="runs")

RunRef = Annotated[str, typer.Argument(help="Run id, a unique prefix, a response id, or 'last'.")]
RootOpt = Annotated[
    Path, typer.Option("--root", "-C", help="Folder whose runs to use.", metavar="PATH")
]


@runs_app.callback()
@handle_errors
def runs_command(
    ctx: typer.Context,
    root: RootOpt = Path(),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the runs, oldest first: id, status, model, effort, cost."""
    if ctx.invoked_subcommand is not None:
        ctx.obj = root
        return
    runs = list_runs(_runs_dir(root))
    for run in runs:
        if run.problem is not None:
            warn(run.problem)
    if as_json:
        print_json([r.meta for r in runs])
        return
    if not runs:
        err.print(f"no runs in {_runs_dir(root)}", markup=False)
        return
    table = Table(box=None, pad_edge=False)
    for name in ("run", "status", "model", "effort", "cost"):
        table.add_column(name)
    for run in runs:
        cost = run.meta.get("cost")
        table.add_row(
            run.id,
            str(run.meta.get("status", "?")),
            str(run.meta.get("model", "?")),
            str(run.meta.get("effort", "?")),
            request.money(cost) if cost is not None else "-",
        )
    out.print(table)


@runs_app.command("show")
@handle_errors
def show_command(
    ctx: typer.Context,
    ref: RunRef,
    raw: Annotated[bool, typer.Option("--raw", help="Print the answer as plain text.")] = False,
) -> None:
    """Show a run's answer (with its table of contents) and its status."""
    from briefpack.cli.cmd_send import outcome, show_answer

    run = find_run(_runs_dir(ctx.obj), ref)
    err.print(f"run {run.id}: {run.meta.get('status')}", style="dim", markup=False)
    if not run.finished:
        warn(f"the run is not finished; `briefpack runs resume {run.id}` fetches the rest")
    outcome(run)
    show_answer(run, raw=raw)


@runs_app.command("resume")
@handle_errors
def resume_command(
    ctx: typer.Context,
    ref: RunRef,
    raw: Annotated[bool, typer.Option("--raw", help="Print the answer as plain text.")] = False,
) -> None:
    """Pick an unfinished run up where it stopped (the server kept working)."""
    from briefpack.cli.cmd_send import deliver, outcome, show_answer

    run = find_run(_runs_dir(ctx.obj), ref)
    if run.finished:
        err.print(f"run {run.id} is already {run.meta['status']}", style="dim", markup=False)
        outcome(run)
        show_answer(run, raw=raw)
        return
    if run.meta.get("api") == "chat":
        raise BriefpackError(
            f"run {run.id} used Chat Completions, which cannot be resumed",
            hint="send the brief again (it is in the run folder: briefpack send --brief FILE)",
        )
    deliver(_session(ctx.obj, run), run, raw=raw, start=None)


@runs_app.command("cancel")
@handle_errors
def cancel_command(ctx: typer.Context, ref: RunRef) -> None:
    """Cancel an unfinished run server-side (what arrived stays on disk)."""
    from briefpack import send

    run = find_run(_runs_dir(ctx.obj), ref)
    if run.meta.get("api") == "chat":
        raise BriefpackError(f"run {run.id} used Chat Completions, which cannot be cancelled")
    status = send.cancel(_session(ctx.obj, run), run)
    err.print(f"run {run.id}: {status}", markup=False)


def _runs_dir(root: Path | None) -> Path:
    settings = load_settings((root or Path()).resolve())
    return settings.root / settings.config.runs_dir


def _session(root: Path | None, run: Run) -> Session:
    from briefpack import send

    settings = load_settings((root or Path()).resolve())
    model_id = str(run.meta.get("model", ""))
    try:
        model = resolve_model(model_id, settings.config.models)
    except BriefpackError:
        model = ModelInfo(id=model_id, encoding="o200k_base", context_window=0, max_output=0)
    base_url = str(run.meta.get("base_url") or settings.config.base_url)
    return send.connect(model, base_url=base_url, timing=send.Timing.from_env())

"""Commands that make or describe a brief: build, ls, stats, init, models."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from briefpack.brief import display_path
from briefpack.cli.flags import BriefFlags, with_brief_options
from briefpack.cli.util import app, err, handle_errors, out, print_json, warn
from briefpack.errors import OverBudgetError, UsageError

if TYPE_CHECKING:  # the pipeline is imported when a command runs, so `--help` stays quick
    from briefpack.brief import Built, emit
    from briefpack.secrets import Finding, SecretsMode


def make_brief(
    flags: BriefFlags,
    *,
    unknown_model_ok: bool = False,
    goal_needed: bool = True,
    ranked: bool = False,
) -> Built:
    """Build the brief these flags describe and print its warnings on stderr. `ranked`: its
    files' ranks are shown (`ls`, `stats`): made now, while progress is on the screen."""
    from briefpack.brief import build, check_brief
    from briefpack.cli import report
    from briefpack.cli.progress import showing
    from briefpack.tokens import UNKNOWN_SOURCE

    with showing() as progress:
        built = build(
            flags.path, flags.overrides(), unknown_model_ok=unknown_model_ok, progress=progress
        )
        if ranked:  # made now: a brief that fits whole is ranked only when asked
            _ = built.ranks
    if built.model.source == UNKNOWN_SOURCE:
        warn(
            f"unknown model '{built.model.id}': {UNKNOWN_SOURCE}, cost unknown "
            f'(describe it under [models."{built.model.id}"] in .briefpack.toml)'
        )
    if goal_needed:  # the brief checker's advice; `briefpack check --strict` makes it blocking
        for finding in check_brief(built):
            warn(f"{finding.message} [{finding.code}]")
    for notice in built.notices:
        warn(notice)
    report_secrets(built.findings, built.settings.config.secrets, verbose=flags.verbose)
    ladder = report.ladder_line(built)
    if ladder is not None:
        err.print(ladder, markup=False)
    if not built.file_tokens():
        warn(f"no files to brief in {display_path(str(built.settings.root))}")
    return built


def report_secrets(findings: Sequence[Finding], mode: SecretsMode, *, verbose: bool) -> None:
    """One stderr line counting the secrets found; with `verbose`, one line per secret: where
    and what kind, never the value."""
    from briefpack.secrets import finding_lines

    if verbose:
        for line in finding_lines(findings, mode):
            warn(line)
    elif findings:
        action = "left in (--secrets allow)" if mode == "allow" else "redacted"
        files = len({f.path for f in findings})
        secrets = "secret" if len(findings) == 1 else "secrets"
        where = "file" if files == 1 else "files"
        warn(
            f"{len(findings)} {secrets} {action} in {files} {where}"
            " (-v lists them, as does `briefpack secrets`)"
        )


def check_budget(built: Built) -> None:
    """Fail with the over-budget exit code (after the largest folders and files) if it does not fit."""
    from briefpack.cli import report

    if built.total > built.budget:
        err.print(report.largest(built))
        raise OverBudgetError(
            f"the brief is {built.total:,} tokens, over the budget of {built.budget:,}",
            hint="leave files out with -x GLOB or .briefpackignore, or drop --no-fit",
        )


@app.command("build")
@handle_errors
@with_brief_options
def build_command(
    *,
    flags: BriefFlags,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", help="Write the brief to this file.", metavar="FILE"),
    ] = None,
    stdout: Annotated[bool, typer.Option("--stdout", help="Write the brief to stdout.")] = False,
    copy: Annotated[
        bool, typer.Option("--copy", "-c", help="Copy to the clipboard even when piped.")
    ] = False,
) -> None:
    """Build the brief and copy it to the clipboard (or write it to -o FILE / stdout)."""
    from briefpack.brief import emit
    from briefpack.cli import report

    if output is not None and str(output) == "-":  # `-o -`: stdout, as most tools read it
        output, stdout = None, True
    built = make_brief(without_output(flags, output))
    err.print(report.summary(built))
    err.print(report.budget_line(built))
    check_budget(built)
    if output is not None:
        delivery = emit.to_file(output, [s.text for s in built.segments])
    elif stdout or (not copy and not sys.stdout.isatty()):
        delivery = emit.to_stdout([s.text for s in built.segments])
    else:
        terminal = sys.stderr if sys.stderr.isatty() else None
        delivery = emit.to_clipboard(built.text, root=built.settings.root, terminal=terminal)
    skipped = report.skipped_line(built)
    if skipped is not None:
        err.print(skipped)
    _say_delivery(delivery)


def without_output(flags: BriefFlags, output: Path | None) -> BriefFlags:
    """The flags, leaving the output file out of the brief when it lies in the briefed folder
    (else each run would carry the last run's brief)."""
    if output is None:
        return flags
    from briefpack.brief import find_config

    root, target = flags.path.resolve(), output.resolve()
    config = find_config(root)
    # in the briefed folder, or (a subfolder's brief takes its config's notes) the config's
    for base in (root, config.parent if config is not None else root):
        if target.is_relative_to(base) and target != base:
            literal = re.sub(r"([\\*?\[\]!# ])", r"\\\1", target.relative_to(base).as_posix())
            return replace(flags, exclude=[*(flags.exclude or []), "/" + literal])
    return flags


def _say_delivery(delivery: emit.Delivery) -> None:
    if delivery.how == "clipboard":
        err.print("copied to the clipboard", style="green")
    elif delivery.how == "file" and delivery.too_big_for_osc52:
        from briefpack.brief.emit import OSC52_MAX

        warn(
            f"no clipboard ({delivery.reason}), and the brief is too big to send to the terminal "
            f"(OSC 52 carries {OSC52_MAX // 1000} kB at most); the brief is in {delivery.path}"
        )
    elif delivery.how == "file" and delivery.reason:
        warn(f"no clipboard ({delivery.reason}); the brief is in {delivery.path}")
    elif delivery.how == "osc52":
        warn(
            f"no clipboard ({delivery.reason}); sent to the terminal (OSC 52) "
            f"and saved in {delivery.path}"
        )
    elif delivery.how == "file":
        err.print(f"wrote {delivery.path}", style="green", markup=False)


@app.command("ls")
@handle_errors
@with_brief_options
def ls_command(
    *,
    flags: BriefFlags,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    excluded: Annotated[
        bool, typer.Option("--excluded", help="List the files left out, with reason and rule.")
    ] = False,
    why: Annotated[
        str | None,
        typer.Option("--why", help="Say why this path is in the brief or not.", metavar="PATH"),
    ] = None,
) -> None:
    """List the files that would go into the brief, in brief order, with their tokens."""
    from briefpack.brief import explain
    from briefpack.cli import report

    built = make_brief(flags, goal_needed=False, ranked=not excluded)
    if why is not None:
        answer = explain.why(built, why)
        print_json(answer) if as_json else sys.stdout.write(explain.why_line(answer) + "\n")
        return
    rows = explain.excluded_rows(built) if excluded else report.ls_rows(built)
    if as_json:
        print_json(rows)
    elif excluded:
        for row in rows:
            sys.stdout.write(explain.excluded_line(row) + "\n")
    else:
        for row in rows:
            sys.stdout.write(f"{row['tokens']:>9,}  {display_path(row['path'])}\n")


@app.command("secrets")
@handle_errors
@with_brief_options
def secrets_command(
    *,
    flags: BriefFlags,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List each secret the brief's scan found: path, line and kind, never the value."""
    from briefpack.brief import build
    from briefpack.cli.progress import showing

    with showing() as progress:
        built = build(flags.path, flags.overrides(), progress=progress)
    if as_json:
        print_json([{"path": f.path, "line": f.line, "kind": f.kind} for f in built.findings])
        return
    for f in built.findings:
        sys.stdout.write(f"{display_path(f.path)}:{f.line}: {f.kind}\n")


@app.command("stats")
@handle_errors
@with_brief_options
def stats_command(
    *,
    flags: BriefFlags,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    top: Annotated[int, typer.Option("--top", help="How many of the largest files.")] = 10,
    full_tree: Annotated[
        bool,
        typer.Option(
            "--tree", help="Show every folder and file (default: two levels, the largest)."
        ),
    ] = False,
) -> None:
    """Show tokens per section and per file, the total and the budget."""
    from briefpack.cli import report

    if top < 0:
        raise UsageError(f"--top must be 0 or more, not {top}")
    built = make_brief(flags, ranked=True)
    if as_json:
        print_json(report.stats_data(built))
        return
    out.print(report.stats_table(built, top=top))
    out.print()
    out.print(report.tree(built, full=full_tree))
    out.print(report.budget_line(built))


@app.command("init")
@handle_errors
def init_command(
    path: Annotated[Path, typer.Argument(help="Repository folder.")] = Path(),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write .briefpack.toml, filled from what is found in the repository."""
    from briefpack.cli.setup import init_config

    written = init_config(path, force=force)
    err.print(f"wrote {written}", style="green", markup=False)


@app.command("models")
@handle_errors
def models_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Print the model table: windows, efforts, prices and shutdown dates."""
    from briefpack.cli import report
    from briefpack.tokens import load_table

    table = load_table()
    if as_json:
        print_json(report.models_data(table))
        return
    out.print(report.models_table(table))
    err.print(
        f"prices as of {table.date}; sources: " + "; ".join(table.sources),
        style="dim",
        markup=False,
    )

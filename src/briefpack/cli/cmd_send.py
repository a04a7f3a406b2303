"""`briefpack send`: show what it costs, ask, send in the background, keep everything on disk."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from briefpack.brief import Settings, load_settings
from briefpack.cli.flags import BriefFlags, with_brief_options
from briefpack.cli.gate import check_cost, confirm, summary
from briefpack.cli.util import app, err, handle_errors, out, warn
from briefpack.errors import BriefpackError, ExitCode, UsageError
from briefpack.send import Run, create_run, request
from briefpack.tokens import UNKNOWN_SOURCE, ModelInfo, load_table, resolve_model

if TYPE_CHECKING:
    from briefpack.send import Session

DEFAULT_ENDPOINT = "https://api.openai.com/v1"


@dataclass(frozen=True)
class Outgoing:
    """The brief to send and what it was made with."""

    text: str
    tokens: int
    settings: Settings
    model: ModelInfo
    title: str


@app.command("send")
@handle_errors
@with_brief_options
def send_command(
    *,
    flags: BriefFlags,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Send without asking.")] = False,
    max_cost: Annotated[
        float | None,
        typer.Option("--max-cost", help="Refuse when the estimate is above this.", metavar="USD"),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the request body; send nothing.")
    ] = False,
    brief: Annotated[
        Path | None,
        typer.Option("--brief", help="Send this file instead of building.", metavar="FILE"),
    ] = None,
    raw: Annotated[bool, typer.Option("--raw", help="Print the answer as plain text.")] = False,
    api: Annotated[
        str | None, typer.Option("--api", help="responses (default) or chat.", metavar="API")
    ] = None,
    max_output_tokens: Annotated[
        int | None,
        typer.Option("--max-output-tokens", help="Cap on reasoning + answer.", metavar="N"),
    ] = None,
    markdown: Annotated[
        bool | None,
        typer.Option(
            "--markdown/--no-markdown",
            help="Ask for a Markdown answer (default), or leave the format to the brief.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Build the brief (or take --brief FILE), show its cost, ask, then send it to the model."""
    extra = {
        "api": api,
        "max_cost": max_cost,
        "max_output_tokens": max_output_tokens,
        "markdown_answer": markdown,
    }
    outgoing = _outgoing(flags, brief, extra)
    plan = _plan(outgoing)
    config = outgoing.settings.config
    summary(plan, config.base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_ENDPOINT)
    if dry_run:
        sys.stdout.write(json.dumps(plan.body, indent=2, ensure_ascii=False) + "\n")
        return
    check_cost(plan, config.max_cost)
    from briefpack import send

    session = send.connect(plan.model, base_url=config.base_url, timing=send.Timing.from_env())
    send.check_model(session)
    confirm(yes)
    runs_dir = outgoing.settings.root / config.runs_dir
    run = create_run(
        runs_dir,
        title=outgoing.title,
        brief=outgoing.text,
        body=plan.body,
        meta=_meta(plan, session.base_url),
    )
    err.print(f"run {run.path}", style="dim", markup=False)
    deliver(session, run, raw=raw, start=plan)


def deliver(session: Session, run: Run, *, raw: bool, start: request.Plan | None) -> None:
    """Send (or resume) with a spinner, then report the outcome and show the answer."""
    from briefpack import send

    try:
        with _spinner() as progress:
            if start is None:
                send.resume(session, run, progress)
            elif start.api == "chat":
                send.send_chat(session, run, start.body, progress)
            else:
                send.send_responses(session, run, start.body, progress)
    except KeyboardInterrupt:
        run.update(status="interrupted")
        raise BriefpackError(
            f"interrupted; what arrived is in {run.answer_path}",
            hint=f"the server keeps working: `briefpack runs resume {run.id}` "
            f"(or `briefpack runs cancel {run.id}`)",
            exit_code=ExitCode.INTERRUPTED,
        ) from None
    outcome(run)
    show_answer(run, raw=raw)


def show_answer(run: Run, *, raw: bool) -> None:
    """Print a run's answer: Markdown with a table of contents, or plain text."""
    from briefpack.send import show

    show(out, run.answer(), raw=raw)


def outcome(run: Run) -> None:
    """One stderr line on usage and cost; a warning for an incomplete or cancelled answer."""
    meta = run.meta
    usage = meta.get("usage") or {}
    if meta.get("status") == "incomplete":
        warn(
            f"the answer is incomplete ({meta.get('incomplete_reason') or 'no reason given'}); "
            f"{usage.get('reasoning_tokens', 0):,} reasoning tokens were paid for"
        )
    if meta.get("error"):
        warn(f"the run stopped with: {meta['error']}")
    if meta.get("status") == "cancelled":
        warn("the response was cancelled; what arrived is kept")
    if usage:
        cost = meta.get("cost")
        err.print(
            f"{usage.get('input_tokens', 0):,} in ({usage.get('cached_tokens', 0):,} cached) · "
            f"{usage.get('output_tokens', 0):,} out ({usage.get('reasoning_tokens', 0):,} reasoning) · "
            + (request.money(cost) if cost is not None else "cost unknown")
            + f" · run {run.id}",
            style="dim",
            markup=False,
        )


def _outgoing(flags: BriefFlags, brief: Path | None, extra: dict[str, Any]) -> Outgoing:
    from briefpack.brief import resolve_root

    building = flags.building_flags() if brief is not None else []
    if building:
        raise UsageError(
            f"--brief FILE sends the file as it is: {', '.join(building)} would build a brief",
            hint="drop them, or drop --brief to build the brief from the repository",
        )
    settings = load_settings(resolve_root(flags.path), {**flags.overrides(), **extra})
    if brief is None:
        from briefpack.cli.cmd_build import check_budget, make_brief

        built = make_brief(flags, unknown_model_ok=True)
        check_budget(built)
        title = built.brief.goal or built.settings.root.name
        return Outgoing(built.text, built.total, settings, built.model, title)
    model = resolve_model(settings.config.model, settings.config.models, unknown_ok=True)
    if model.source == UNKNOWN_SOURCE:
        warn(f"unknown model '{model.id}': {UNKNOWN_SOURCE}, cost unknown")
    try:
        text = brief.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BriefpackError(
            f"cannot read {brief}: {exc}", hint="--brief takes a UTF-8 text file"
        ) from None
    from briefpack.brief import guard_text
    from briefpack.cli.cmd_build import report_secrets
    from briefpack.tokens import TokenCounter

    mode = settings.config.secrets
    text, findings = guard_text(text, str(brief), mode=mode)
    report_secrets(findings, mode, verbose=flags.verbose)
    tokens = TokenCounter(model.encoding).count([text])[0]
    return Outgoing(text, tokens, settings, model, brief.stem)


def _plan(outgoing: Outgoing) -> request.Plan:
    config = outgoing.settings.config
    model = outgoing.model
    if model.responses_only and config.api == "chat":
        raise UsageError(f"{model.id} is served by the Responses API only", hint="drop --api chat")
    max_out = request.output_cap(model, config)
    developer = request.developer_message(config.markdown_answer)
    make = request.chat_body if config.api == "chat" else request.responses_body
    body = make(
        model.id, outgoing.text, effort=config.effort, max_output=max_out, developer=developer
    )
    estimate = request.estimate(
        model,
        input_tokens=outgoing.tokens,
        effort=config.effort,
        max_output=max_out,
        date=load_table().date,
    )
    notes = [request.retired_warning(model), request.effort_warning(model, config.effort)]
    if outgoing.tokens > model.input_limit:
        notes.append(f"the brief ({outgoing.tokens:,} tokens) is over {model.id}'s input limit")
    if estimate is None:
        notes.append(f"no prices for {model.id}: the cost is unknown (add them under [models])")
    elif estimate.long_context:
        notes.append(
            f"over {request.LONG_CONTEXT:,} input tokens: billed at about 2x input and 1.5x output"
        )
    return request.Plan(
        model=model,
        effort=config.effort,
        api=config.api,
        input_tokens=outgoing.tokens,
        max_output_tokens=max_out,
        body=body,
        estimate=estimate,
        warnings=tuple(n for n in notes if n),
    )


def _meta(plan: request.Plan, base_url: str) -> dict[str, Any]:
    est = plan.estimate
    return {
        "model": plan.model.id,
        "effort": plan.effort,
        "api": plan.api,
        "base_url": base_url,
        "input_tokens_estimated": plan.input_tokens,
        "max_output_tokens": plan.max_output_tokens,
        "estimate": None
        if est is None
        else {"low": est.low, "high": est.high, "prices_of": est.date},
    }


class _Progress:
    """The spinner's text: the latest status and the elapsed time, computed at each refresh."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.message = "waiting for the server"

    def __call__(self, message: str) -> None:
        self.message = message

    def __rich__(self) -> str:
        elapsed = int(time.monotonic() - self.started)
        return f"{self.message} · {elapsed // 60}:{elapsed % 60:02d}"


@contextlib.contextmanager
def _spinner() -> Iterator[_Progress]:
    """A spinner on stderr showing the status and the elapsed time."""
    progress = _Progress()
    with err.status(progress):
        yield progress

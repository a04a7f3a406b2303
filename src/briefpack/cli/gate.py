"""What `send` shows and asks before it spends: the model, effort, tokens and cost; the
max-cost limit; the confirmation."""

from __future__ import annotations

import sys

import typer
from rich.text import Text

from briefpack.cli.util import err, warn
from briefpack.errors import BriefpackError, ExitCode
from briefpack.send import request


def summary(plan: request.Plan, endpoint: str) -> None:
    model = plan.model
    share = plan.input_tokens / model.input_limit if model.input_limit else 0.0
    lines = [
        f"model   {model.id} ({plan.api} API at {endpoint})",
        f"effort  {plan.effort}",
        f"input   {plan.input_tokens:,} tokens of {model.input_limit:,} ({share:.0%})",
        f"output  up to {plan.max_output_tokens:,} tokens (reasoning + answer)",
    ]
    est = plan.estimate
    if est is not None:
        lines.append(
            f"cost    {request.money(est.low)} typical, {request.money(est.high)} at most "
            f"(prices of {est.date})"
        )
    else:
        lines.append("cost    unknown")
    for note in plan.warnings:
        warn(note)
    err.print(Text("\n".join(lines)))


def check_cost(plan: request.Plan, max_cost: float | None) -> None:
    if max_cost is None:
        return
    if plan.estimate is None:
        raise BriefpackError(
            f"not sent: the cost of {plan.model.id} is unknown and max_cost is {request.money(max_cost)}",
            hint=f'give its prices under [models."{plan.model.id}"] in .briefpack.toml',
            exit_code=ExitCode.NOT_SENT,
        )
    if plan.estimate.high > max_cost:
        raise BriefpackError(
            f"not sent: up to {request.money(plan.estimate.high)} is over the limit of "
            f"{request.money(max_cost)}",
            hint="raise --max-cost, lower --max-output-tokens or --effort, or shrink the brief",
            exit_code=ExitCode.NOT_SENT,
        )


def confirm(yes: bool) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise BriefpackError(
            "not sent: no terminal to ask for confirmation",
            hint="pass --yes to send without asking",
            exit_code=ExitCode.NOT_SENT,
        )
    try:
        answer = typer.confirm("Send?", default=False, err=True)
    except typer.Abort:  # Ctrl-C or end of input at the prompt
        raise BriefpackError("interrupted: not sent", exit_code=ExitCode.INTERRUPTED) from None
    if not answer:
        raise BriefpackError("not sent", exit_code=ExitCode.NOT_SENT)

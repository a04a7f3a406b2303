"""What `send` would send and what it may cost: request bodies and the cost estimate (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from briefpack.brief.config import Config
from briefpack.errors import UsageError
from briefpack.tokens.models import UNKNOWN_SOURCE, ModelInfo, reserve_for

# The reasoning guide: "reserve at least 25,000 tokens for reasoning and outputs".
MIN_OUTPUT_TOKENS = 25_000
# Prompts above this many input tokens are billed at about 2x input and 1.5x output on the
# 1M-window families (gpt-5.4 and later); see ../shared/openai-notes.md section 1b.
LONG_CONTEXT = 272_000
LONG_INPUT_FACTOR = 2.0
LONG_OUTPUT_FACTOR = 1.5
# A rough guide to the output (reasoning + answer) a typical brief draws at each effort: the low
# end of the cost range. The high end is always the worst case, `max_output_tokens`.
TYPICAL_OUTPUT = {
    "none": 2_000,
    "minimal": 2_000,
    "low": 4_000,
    "medium": 8_000,
    "high": 16_000,
    "xhigh": 32_000,
    "max": 64_000,
}
FORMATTING = "Formatting re-enabled"


@dataclass(frozen=True)
class Plan:
    """Everything decided before a send: model, effort, caps, the body, the estimate."""

    model: ModelInfo
    effort: str
    api: str
    input_tokens: int
    max_output_tokens: int
    body: dict[str, Any]
    estimate: Estimate | None
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Estimate:
    """Estimated cost in USD: a typical low end and the worst case at max_output_tokens."""

    low: float
    high: float
    date: str
    long_context: bool


def developer_message(markdown: bool) -> str | None:
    """The developer message: `Formatting re-enabled` first when the answer should be Markdown
    (the `markdown_answer` setting; never guessed from the return format's words)."""
    if not markdown:
        return None
    return f"{FORMATTING}\nAnswer the brief in the user message. Use Markdown headings."


def output_cap(model: ModelInfo, config: Config) -> int:
    """max_output_tokens: configured, else the reserve but at least 25k, within the model's cap."""
    if config.max_output_tokens is not None:
        # A stand-in row's max_output is a guess (the endpoint decides); a known model's is not.
        if config.max_output_tokens > model.max_output and model.source != UNKNOWN_SOURCE:
            raise UsageError(
                f"max_output_tokens {config.max_output_tokens:,} is over {model.id}'s maximum "
                f"output of {model.max_output:,} tokens",
                hint="lower --max-output-tokens (or max_output_tokens in .briefpack.toml)",
            )
        return config.max_output_tokens
    reserve = reserve_for(model, config.effort, config.reserve)
    return min(max(reserve, MIN_OUTPUT_TOKENS), model.max_output)


def responses_body(
    model: str, brief: str, *, effort: str, max_output: int, developer: str | None
) -> dict[str, Any]:
    """The POST /responses body: background, stored, streamed; the brief as the user's input."""
    return {
        "model": model,
        "input": _messages(brief, developer),
        "reasoning": {"effort": effort},
        "max_output_tokens": max_output,
        "background": True,
        "store": True,
        "stream": True,
    }


def chat_body(
    model: str, brief: str, *, effort: str, max_output: int, developer: str | None
) -> dict[str, Any]:
    """The POST /chat/completions body, for compatible servers without /responses."""
    return {
        "model": model,
        "messages": _messages(brief, developer),
        "reasoning_effort": effort,
        "max_completion_tokens": max_output,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def _messages(brief: str, developer: str | None) -> list[dict[str, str]]:
    # String content, not content parts: the brief goes as the user's text exactly as built.
    first = [{"role": "developer", "content": developer}] if developer else []
    return [*first, {"role": "user", "content": brief}]


def estimate(
    model: ModelInfo, *, input_tokens: int, effort: str, max_output: int, date: str
) -> Estimate | None:
    """Cost range for this request, or None when the model's prices are unknown."""
    if model.price_input is None or model.price_output is None:
        return None
    long = input_tokens > LONG_CONTEXT and model.context_window > 400_000
    in_rate = max(model.price_input, model.price_cache_write or 0.0)
    out_rate = model.price_output
    typical = min(TYPICAL_OUTPUT.get(effort, 16_000), max_output)
    low = (input_tokens * model.price_input + typical * out_rate) / 1e6
    if long:
        in_rate *= LONG_INPUT_FACTOR
        out_rate *= LONG_OUTPUT_FACTOR
    high = (input_tokens * in_rate + max_output * out_rate) / 1e6
    return Estimate(low=low, high=high, date=model.date or date, long_context=long)


def actual_cost(model: ModelInfo, usage: dict[str, int]) -> float | None:
    """USD for the usage a response reports, from the table's prices (None when unknown)."""
    if model.price_input is None or model.price_output is None:
        return None
    inp = usage.get("input_tokens", 0)
    cached = usage.get("cached_tokens", 0)
    written = usage.get("cache_write_tokens", 0)
    cached_rate = model.price_cached if model.price_cached is not None else model.price_input
    write_rate = model.price_cache_write or model.price_input
    long = inp > LONG_CONTEXT and model.context_window > 400_000
    in_factor, out_factor = (LONG_INPUT_FACTOR, LONG_OUTPUT_FACTOR) if long else (1.0, 1.0)
    cost = (
        max(inp - cached - written, 0) * model.price_input
        + cached * cached_rate
        + written * write_rate
    ) * in_factor + usage.get("output_tokens", 0) * model.price_output * out_factor
    return cost / 1e6


def effort_warning(model: ModelInfo, effort: str) -> str | None:
    """A warning when the table says the model does not accept this effort (the server decides)."""
    if not model.efforts or effort in model.efforts:
        return None
    accepted = ", ".join(model.efforts)
    return (
        f"the model table says {model.id} accepts effort {accepted}, not '{effort}'; "
        "sending anyway, the server has the final word"
    )


def retired_warning(model: ModelInfo) -> str | None:
    """A warning when the table marks the model as shut down, naming its successor."""
    if not model.is_shut_down():
        return None
    successor = f"; its successor is {model.successor} (--model {model.successor})"
    return (
        f"OpenAI shut {model.id} down on {model.shutdown}"
        + (successor if model.successor else "")
        + "; sending anyway in case this endpoint still serves it"
    )


def money(value: float) -> str:
    """'$0.0042', '$1.23': enough digits to see small amounts."""
    return f"${value:,.4f}" if value < 0.1 else f"${value:,.2f}"

"""A connection to the API, and the SDK's errors turned into briefpack's.

`client` never retries (a retried create is billed twice); `reads` retries as the SDK sees fit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import openai
from openai import OpenAI

from briefpack.errors import BriefpackError
from briefpack.send.failure import ApiError, Disconnected, Failure, Where, describe
from briefpack.send.runs import Run
from briefpack.tokens.models import ModelInfo

T = TypeVar("T")


@dataclass(frozen=True)
class Timing:
    """How long to wait: per request, before a dropped stream is picked up again, between polls
    (env-tunable); how often a read is retried (by the SDK) and a stream picked up."""

    timeout: float = 120.0
    retry_delay: float = 1.0
    retries: int = 3
    poll_interval: float = 2.0

    @classmethod
    def from_env(cls) -> Timing:
        """BRIEFPACK_TIMEOUT, BRIEFPACK_RETRY_DELAY, BRIEFPACK_POLL_INTERVAL override the defaults."""
        return cls(
            timeout=_env_float("BRIEFPACK_TIMEOUT", cls.timeout),
            retry_delay=_env_float("BRIEFPACK_RETRY_DELAY", cls.retry_delay),
            poll_interval=_env_float("BRIEFPACK_POLL_INTERVAL", cls.poll_interval),
        )


@dataclass
class Session:
    """A client plus what error messages need to name. `client` never retries (creates, cancel);
    `reads` is the same client with the SDK's retries, for every retrieve."""

    client: OpenAI
    base_url: str
    model: ModelInfo
    timing: Timing
    reads: OpenAI


def connect(model: ModelInfo, *, base_url: str, timing: Timing) -> Session:
    """A client for `base_url` (else OPENAI_BASE_URL, else OpenAI); fails early without a key."""
    key = os.environ.get("OPENAI_API_KEY", "").strip()
    if not key:
        raise ApiError(
            "no API key: OPENAI_API_KEY is not set",
            hint="export OPENAI_API_KEY=sk-... (keys are at platform.openai.com/api-keys)",
        )
    client = OpenAI(
        api_key=key,
        base_url=base_url or None,
        max_retries=0,  # creates are never retried: a retried create is billed twice
        timeout=openai.Timeout(timing.timeout, connect=min(5.0, timing.timeout)),
    )
    reads = client.with_options(max_retries=timing.retries)
    return Session(client, str(client.base_url).rstrip("/"), model, timing, reads)


def api_error(exc: openai.APIError, session: Session) -> ApiError:
    """One-line message and hint for an SDK error, naming the request id."""
    error = describe(failure_of(exc), _where(session))
    error.__cause__ = exc
    return error


def failure_of(exc: openai.APIError) -> Failure:
    """The facts of an SDK error."""
    if isinstance(exc, openai.APITimeoutError):
        return Failure("timeout", "timed out")
    if isinstance(exc, openai.APIConnectionError):
        return Failure("connection", _root_cause(exc))
    return Failure(
        "status",
        _short(exc),
        status=getattr(exc, "status_code", None),
        code=exc.code,
        param=exc.param,
        request_id=getattr(exc, "request_id", None),
    )


def stream_error(
    session: Session, code: str | None, message: str, request_id: str | None
) -> ApiError:
    """An error reported inside a stream (`response.failed` or an `error` event)."""
    return describe(Failure("stream", message, code=code, request_id=request_id), _where(session))


def _where(session: Session) -> Where:
    return Where(session.model, session.base_url, session.timing.timeout)


def read(session: Session, call: Callable[[], T]) -> T:
    """A read through `session.reads` (the SDK retried it as it saw fit); its error as ApiError."""
    try:
        return call()
    except openai.APIError as exc:
        raise api_error(exc, session) from exc


def transient(exc: openai.APIError) -> bool:
    return failure_of(exc).transient


def failed(run: Run, error: ApiError, *, status: str = "error") -> ApiError:
    """Record the error in meta.json (the run keeps what was sent and what arrived)."""
    run.update(status=status if not run.finished else run.meta["status"], error=error.message)
    return error


def disconnected(session: Session, run: Run, exc: openai.APIError | None) -> ApiError:
    why = api_error(exc, session).message if exc is not None else "it ended without a final event"
    return Disconnected(
        f"lost the response and could not pick it up again: {why}",
        hint=f"the server keeps working; `briefpack runs resume {run.id}` picks the answer up",
    )


def request_id_note(exc: object) -> str:
    rid = getattr(exc, "request_id", None)
    return f", request {rid}" if rid else ""


def _short(exc: openai.APIError) -> str:
    body = exc.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return str(body["message"]).splitlines()[0]
    return str(exc.message).splitlines()[0]


def _root_cause(exc: BaseException) -> str:
    inner: BaseException = exc
    while inner.__cause__ is not None or inner.__context__ is not None:
        inner = inner.__cause__ or inner.__context__  # type: ignore[assignment]
    text = str(inner) or type(inner).__name__
    return text.splitlines()[0]


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise BriefpackError(f"{name} must be a number of seconds, not {value!r}") from None

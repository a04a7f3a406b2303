"""Talk to the API: the only module importing `openai` (imported lazily by the CLI).

Background mode keeps a paid answer safe: the create call returns at once with a response id,
which goes to the run folder before anything waits; the answer is streamed to disk and a dropped
stream resumes after the last event seen (`starting_after`). Creates are never retried (the SDK
sends no idempotency key, so a retried create is billed twice); reads are, by the SDK itself
(connection errors, 408/409/429/5xx, after the pause `Retry-After` asks, unless `x-should-retry`
says not to).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import openai

from briefpack.errors import BriefpackError
from briefpack.send.failure import ApiError, retired_hint
from briefpack.send.request import actual_cost
from briefpack.send.runs import TERMINAL, Run, now
from briefpack.send.session import (
    Session,
    api_error,
    disconnected,
    failed,
    read,
    request_id_note,
    stream_error,
    transient,
)

Progress = Callable[[str], None]


def check_model(session: Session, *, today: dt.date | None = None) -> None:
    """Refuse before spending when the endpoint reports the model shut down or unknown (404)."""
    model_id = session.model.id
    try:
        info = read(session, lambda: session.reads.models.retrieve(model_id))
    except ApiError as exc:
        if isinstance(exc.__cause__, openai.NotFoundError):
            raise ApiError(
                f"{session.base_url} does not serve model '{model_id}' (404{request_id_note(exc.__cause__)})",
                hint=retired_hint(session.model),
            ) from None
        raise
    shutdown = getattr(info, "shutdown_date", None)
    if shutdown and dt.date.fromisoformat(str(shutdown)[:10]) <= (today or dt.date.today()):
        raise ApiError(
            f"{session.base_url} reports model '{model_id}' shut down on {shutdown}",
            hint=retired_hint(session.model),
        )


def send_responses(session: Session, run: Run, body: dict[str, Any], progress: Progress) -> None:
    """Create the background response, then stream it to the run folder (or poll)."""
    client = session.client
    run.update(status="sending", sent_at=now(), stream=True)
    try:
        try:
            created: Any = client.responses.create(**body)
        except openai.BadRequestError as exc:
            if exc.param != "stream":
                raise
            # Streaming refused (e.g. an unverified organization): no charge, so create again.
            run.update(stream=False, stream_refused=str(exc.message))
            created = client.responses.create(**{**body, "stream": False})
    except openai.APIError as exc:
        raise failed(run, api_error(exc, session)) from None
    if isinstance(created, openai.Stream):
        _follow(session, run, created, progress)
    else:
        run.record_response(created.id, getattr(created, "_request_id", None))
        _poll(session, run, progress)


def resume(session: Session, run: Run, progress: Progress) -> None:
    """Pick up a run whose answer is not all on disk: stream after the last event, or poll."""
    response_id = run.meta.get("response_id")
    if not response_id:
        raise BriefpackError(
            f"run {run.id} has no response id (none was received from the server)",
            hint="send the brief again with `briefpack send`",
        )
    current: Any = read(session, lambda: session.reads.responses.retrieve(response_id))
    if current.status in TERMINAL:
        _finish(session, run, current)
    elif run.meta.get("stream"):
        run.rewind()
        _follow(session, run, None, progress)
    else:
        _poll(session, run, progress)


def cancel(session: Session, run: Run) -> str:
    """Cancel the run's response server-side; returns the status the server reports."""
    response_id = run.meta.get("response_id")
    if not response_id:
        raise BriefpackError(f"run {run.id} has no response id: nothing to cancel")
    try:
        response: Any = session.client.responses.cancel(response_id)
    except openai.APIError as exc:
        raise api_error(exc, session) from None
    run.update(status=response.status, cancelled_at=now())
    return str(response.status)


def send_chat(session: Session, run: Run, body: dict[str, Any], progress: Progress) -> None:
    """Chat Completions, streamed to disk (no background mode there, so no resume)."""
    run.update(status="sending", sent_at=now(), stream=True)
    usage: dict[str, int] = {}
    finish = None
    try:
        stream: Any = session.client.chat.completions.create(**body)
        run.update(request_id=stream.response.headers.get("x-request-id"), status="in_progress")
        for chunk in stream:
            if chunk.id and not run.meta.get("response_id"):
                run.update(response_id=chunk.id)
            for choice in chunk.choices:
                if choice.delta.content:
                    run.append(choice.delta.content, None)
                    progress(f"answering · {run.meta['answer_bytes']:,} bytes")
                finish = choice.finish_reason or finish
            if chunk.usage is not None:
                usage = _usage(chunk.usage, ("prompt", "completion"))
    except openai.APIError as exc:
        raise failed(run, api_error(exc, session)) from None
    status = "incomplete" if finish == "length" else "completed"
    reason = "max_output_tokens" if finish == "length" else None
    _record_end(session, run, status, usage, reason)


def _follow(session: Session, run: Run, stream: Any, progress: Progress) -> None:
    """Consume events; on a drop, reconnect after the last event seen until the response ends
    (given up after `timing.retries` drops in a row with no new event)."""
    failures = 0
    while True:
        before = run.meta.get("sequence_number", 0)
        if stream is None:
            stream = _reconnect(session, run, int(before))
        try:
            if _consume(session, run, stream, progress):
                return
            error: openai.APIError | None = None
        except openai.APIError as exc:  # the stream broke off
            if not transient(exc):
                raise failed(run, api_error(exc, session)) from None
            error = exc
        if not run.meta.get("response_id"):
            why = api_error(error, session).message if error else "the stream ended"
            raise failed(
                run,
                ApiError(
                    f"the connection dropped before the server sent a response id: {why}",
                    hint="the request may still run and be billed; check your OpenAI usage page",
                ),
            )
        # The stream dropped (or ended without a final event): pick it up after the last event.
        failures = 0 if run.meta.get("sequence_number", 0) != before else failures + 1
        if failures > session.timing.retries:
            raise failed(run, disconnected(session, run, error), status="disconnected")
        progress(f"connection lost; resuming after event {run.meta.get('sequence_number', 0)}")
        time.sleep(session.timing.retry_delay if failures else 0)
        stream = None


def _reconnect(session: Session, run: Run, after: int) -> Any:
    """The response's events after `after`, streamed anew (the SDK retries the request)."""
    try:
        stream = session.reads.responses.retrieve(
            run.meta["response_id"], stream=True, starting_after=after
        )
    except openai.APIError as exc:
        if transient(exc):
            raise failed(run, disconnected(session, run, exc), status="disconnected") from None
        raise failed(run, api_error(exc, session)) from None
    run.update(resumed=run.meta.get("resumed", 0) + 1)
    return stream


def _consume(session: Session, run: Run, stream: Any, progress: Progress) -> bool:
    """Write one stream's events to the run; True when the response reached a final state."""
    request_id = stream.response.headers.get("x-request-id")
    for event in stream:
        seq = getattr(event, "sequence_number", None)
        kind = event.type
        response = getattr(event, "response", None)
        if response is not None and not run.meta.get("response_id"):
            run.record_response(response.id, request_id)
        if kind == "response.output_text.delta":
            if "first_text_at" not in run.meta:
                run.update(first_text_at=now())
            run.append(event.delta, seq)
            progress(f"answering · {run.meta['answer_bytes']:,} bytes")
        elif kind == "error":
            run.advance(seq)
            raise failed(run, stream_error(session, event.code, event.message, request_id))
        elif response is not None and response.status in TERMINAL:
            run.advance(seq)
            _finish(session, run, response, request_id)
            return True
        else:
            if response is not None:
                run.update(status=response.status)
                progress(str(response.status))
            run.advance(seq)
    return False


def _poll(session: Session, run: Run, progress: Progress) -> None:
    response_id = run.meta["response_id"]
    while True:
        try:
            current: Any = read(session, lambda: session.reads.responses.retrieve(response_id))
        except ApiError as exc:
            cause = exc.__cause__
            if isinstance(cause, openai.APIError) and transient(cause):
                raise failed(
                    run, disconnected(session, run, cause), status="disconnected"
                ) from None
            raise failed(run, exc) from None
        if current.status in TERMINAL:
            _finish(session, run, current)
            return
        run.update(status=current.status)
        progress(str(current.status))
        time.sleep(session.timing.poll_interval)


def _finish(session: Session, run: Run, response: Any, request_id: str | None = None) -> None:
    """Record a final response: the full answer, usage, status, reason, cost."""
    text = response.output_text or ""
    if text and text != run.answer():
        run.replace_answer(text)
    reason = getattr(response.incomplete_details, "reason", None)
    run.update(service_tier=getattr(response, "service_tier", None))
    _record_end(session, run, str(response.status), _usage(response.usage), reason)
    error = response.error
    if response.status == "failed" and error is not None:
        raise failed(
            run,
            stream_error(
                session, error.code, error.message, request_id or run.meta.get("request_id")
            ),
        )


def _record_end(
    session: Session, run: Run, status: str, usage: dict[str, int], reason: str | None
) -> None:
    cost = actual_cost(session.model, usage) if usage else None
    finished = now()
    sent = run.meta.get("sent_at")
    seconds = (
        (dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(sent)).total_seconds()
        if sent
        else None
    )
    run.update(
        status=status,
        incomplete_reason=reason,
        usage=usage,
        cost=cost,
        finished_at=finished,
        seconds=seconds,
    )


def _usage(usage: Any, sides: tuple[str, str] = ("input", "output")) -> dict[str, int]:
    """Usage as run files keep it, from the Responses API's names or (`sides` = ("prompt",
    "completion")) Chat Completions'."""
    if usage is None:
        return {}
    given, made = sides
    inp = getattr(usage, f"{given}_tokens_details", None)
    out = getattr(usage, f"{made}_tokens_details", None)
    return {
        "input_tokens": getattr(usage, f"{given}_tokens"),
        "cached_tokens": getattr(inp, "cached_tokens", 0) or 0,
        "cache_write_tokens": getattr(inp, "cache_write_tokens", 0) or 0,
        "output_tokens": getattr(usage, f"{made}_tokens"),
        "reasoning_tokens": getattr(out, "reasoning_tokens", 0) or 0,
        "total_tokens": usage.total_tokens,
    }

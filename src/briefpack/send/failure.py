"""What went wrong with an API call, as one line and a hint (pure: no `openai` import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from briefpack.errors import BriefpackError, ExitCode
from briefpack.tokens.models import ModelInfo

Kind = Literal["status", "timeout", "connection", "stream"]


class ApiError(BriefpackError):
    """The API refused or failed; the message names the request id where there is one."""

    exit_code = ExitCode.API


class Disconnected(ApiError):
    """The response was lost on the way and could not be picked up (the server keeps working)."""


@dataclass(frozen=True)
class Failure:
    """The facts of one failed call, taken from an SDK error or a stream event."""

    kind: Kind
    message: str
    status: int | None = None
    code: str | None = None
    param: str | None = None
    request_id: str | None = None

    @property
    def transient(self) -> bool:
        """Whether the server may answer later, so a run it cut off can be picked up again (with
        `runs resume`) rather than given up: not a quota error. The SDK decides what to retry."""
        if self.code == "insufficient_quota":
            return False
        if self.kind in ("timeout", "connection"):
            return True
        return self.status in (408, 409, 429) or (self.status or 0) >= 500


@dataclass(frozen=True)
class Where:
    """What a message should name: the model, the endpoint, the timeout."""

    model: ModelInfo
    base_url: str
    timeout: float


def describe(failure: Failure, where: Where) -> ApiError:
    """The one-line error (with hint) for a failure."""
    if failure.kind == "timeout":
        return ApiError(
            f"timed out after {where.timeout:g}s waiting for {where.base_url}",
            hint="the server is slow or unreachable; try again (BRIEFPACK_TIMEOUT raises the limit)",
        )
    if failure.kind == "connection":
        return ApiError(
            f"cannot reach {where.base_url}: {failure.message}",
            hint="check the network, OPENAI_BASE_URL or `base_url` in .briefpack.toml",
        )
    if failure.code == "context_length_exceeded":
        return ApiError(
            f"the brief is too long for {where.model.id} {_detail(failure)}",
            hint="leave files out (-x GLOB, .briefpackignore), lower --budget, or pass --fit",
        )
    if failure.kind == "stream":
        return ApiError(f"the response failed {_detail(failure)}: {failure.message}")
    return _status(failure, where.model)


def retired_hint(model: ModelInfo) -> str:
    """Where to go when the endpoint does not know the model."""
    if model.successor:
        return f"the model may be retired; try --model {model.successor} (see `briefpack models`)"
    return "check the model id (see `briefpack models`) or the endpoint"


def _status(failure: Failure, model: ModelInfo) -> ApiError:
    status, code, detail, message = failure.status, failure.code, _detail(failure), failure.message
    if status == 400 and code == "unsupported_value":
        effort = "effort" in (failure.param or "")
        listed = f"; the model table lists {', '.join(model.efforts)}" if model.efforts else ""
        return ApiError(
            f"{model.id} does not accept {failure.param or 'a value'} {detail}: {message}",
            hint=f"choose another --effort{listed}" if effort else None,
        )
    if status == 401:
        return ApiError(f"the API key was rejected {detail}", hint="check OPENAI_API_KEY")
    if status == 403:
        return ApiError(
            f"no access to {model.id} {detail}: {message}",
            hint="the key's organization or project may need access or verification",
        )
    if status == 404:
        return ApiError(
            f"model '{model.id}' not found {detail}: {message}", hint=retired_hint(model)
        )
    if status == 429 and code == "insufficient_quota":
        return ApiError(f"out of quota {detail}", hint="add credit or raise the project's limit")
    if status == 429:
        return ApiError(f"rate limited {detail}: {message}", hint="wait a minute and send again")
    if (status or 0) >= 500:
        return ApiError(f"server error {detail}: {message}", hint="try again later")
    return ApiError(f"the API refused the request {detail}: {message}")


def _detail(failure: Failure) -> str:
    """'(400 context_length_exceeded, request req_123)'."""
    parts = " ".join(str(p) for p in (failure.status, failure.code) if p) or "failed"
    rid = f", request {failure.request_id}" if failure.request_id else ""
    return f"({parts}{rid})"

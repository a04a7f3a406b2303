"""The send stage, the only package that imports openai or reaches the network: the request and
its cost, a background run followed to its end, runs kept on disk, and the answer shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefpack import surface

if TYPE_CHECKING:
    from briefpack.send.answer import show
    from briefpack.send.client import cancel, check_model, resume, send_chat, send_responses
    from briefpack.send.request import Plan, actual_cost
    from briefpack.send.runs import Run, create_run, find_run, list_runs
    from briefpack.send.session import Session, Timing, api_error, connect

__all__ = [
    "Plan",
    "Run",
    "Session",
    "Timing",
    "actual_cost",
    "api_error",
    "cancel",
    "check_model",
    "connect",
    "create_run",
    "find_run",
    "list_runs",
    "resume",
    "send_chat",
    "send_responses",
    "show",
]

__getattr__, __dir__ = surface(
    __name__,
    {
        "client": ("cancel", "check_model", "resume", "send_chat", "send_responses"),
        "session": ("Session", "Timing", "api_error", "connect"),
        "request": ("Plan", "actual_cost"),
        "runs": ("Run", "create_run", "find_run", "list_runs"),
        "answer": ("show",),
    },
)

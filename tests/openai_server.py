"""A small OpenAI-compatible HTTP server for the send tests (127.0.0.1, random port).

It speaks enough of the Responses API (background create, SSE events with sequence numbers,
retrieve with `stream` and `starting_after`, cancel), `/v1/models/{id}` and Chat Completions for
the real `openai` SDK, and records every request so tests can check what went over the wire.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

ANSWER = ["# Plan\n\n", "First, do this.\n\n", "## Risks\n\n", "None worth [a] note.\n"]
USAGE = {
    "input_tokens": 120_000,
    "cached_tokens": 20_000,
    "cache_write_tokens": 0,
    "output_tokens": 3_000,
    "reasoning_tokens": 2_000,
}


@dataclass
class Scenario:
    """What the server does; tests change it before (or while) the client talks to it."""

    chunks: list[str] = field(default_factory=lambda: list(ANSWER))
    final: str = "completed"  # completed | incomplete | failed
    incomplete_reason: str = "max_output_tokens"
    fail_code: str = "context_length_exceeded"
    usage: dict[str, int] = field(default_factory=lambda: dict(USAGE))
    drop_after: int | None = None  # cut the first stream after this many events
    hang_after: int | None = None  # stall streams after this many events until `release`
    refuse_stream: bool = False  # 400 unsupported_value on `stream`, as for unverified orgs
    poll_ticks: int = 1  # non-streamed retrieves answering in_progress first
    errors: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    # sent with every error above: how long the SDK waits before it retries a read (short here)
    error_headers: dict[str, str] = field(default_factory=lambda: {"retry-after-ms": "10"})
    delays: dict[str, float] = field(default_factory=dict)
    models: dict[str, str | None] | None = None  # id -> shutdown_date; None serves every id
    release: threading.Event = field(default_factory=threading.Event)


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Response:
    id: str
    model: str
    streamed: bool
    delivered: int = 0  # highest sequence number any stream has sent
    polls_left: int = 0
    cancelled: bool = False


class FakeOpenAI:
    """The server, its scenario, and what it received."""

    def __init__(self) -> None:
        self.scenario = Scenario()
        self.requests: list[Recorded] = []
        self.responses: dict[str, _Response] = {}
        self._lock = threading.Lock()
        self._ids = 0
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """What OPENAI_BASE_URL should be."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def next_id(self, prefix: str) -> str:
        """A fresh id (responses, request ids)."""
        with self._lock:
            self._ids += 1
            return f"{prefix}_{self._ids:04d}"

    def bodies(self, path: str) -> list[Any]:
        """JSON bodies POSTed to `path` (e.g. '/v1/responses')."""
        return [r.body for r in self.requests if r.method == "POST" and r.path == path]

    def calls(self, method: str, prefix: str) -> list[Recorded]:
        """Requests whose path starts with `prefix`."""
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]

    def events(self, resp: _Response) -> list[dict[str, Any]]:
        """The full event list of a response, with sequence numbers from 1."""
        sc = self.scenario
        events: list[dict[str, Any]] = [
            {"type": "response.created", "response": self.obj(resp, "queued")},
            {"type": "response.in_progress", "response": self.obj(resp, "in_progress")},
            {
                "type": "response.output_item.added",
                "output_index": 0,
                "item": _item("", "in_progress"),
            },
            {
                "type": "response.content_part.added",
                "item_id": "msg_1",
                "output_index": 0,
                "content_index": 0,
                "part": _part(""),
            },
        ]
        chunks = sc.chunks[:1] if sc.final == "failed" else sc.chunks
        for chunk in chunks:
            events.append(
                {
                    "type": "response.output_text.delta",
                    "item_id": "msg_1",
                    "output_index": 0,
                    "content_index": 0,
                    "delta": chunk,
                    "logprobs": [],
                }
            )
        if sc.final != "failed":
            text = "".join(chunks)
            events += [
                {
                    "type": "response.output_text.done",
                    "item_id": "msg_1",
                    "output_index": 0,
                    "content_index": 0,
                    "text": text,
                    "logprobs": [],
                },
                {
                    "type": "response.content_part.done",
                    "item_id": "msg_1",
                    "output_index": 0,
                    "content_index": 0,
                    "part": _part(text),
                },
                {
                    "type": "response.output_item.done",
                    "output_index": 0,
                    "item": _item(text, "completed"),
                },
            ]
        events.append({"type": f"response.{sc.final}", "response": self.obj(resp, sc.final)})
        for number, event in enumerate(events, start=1):
            event["sequence_number"] = number
        return events

    def obj(self, resp: _Response, status: str) -> dict[str, Any]:
        """A Response object in `status`."""
        sc = self.scenario
        final = status in ("completed", "incomplete", "failed", "cancelled")
        text = "".join(sc.chunks) if status in ("completed", "incomplete") else ""
        u = sc.usage
        usage = {
            "input_tokens": u["input_tokens"],
            "input_tokens_details": {
                "cached_tokens": u["cached_tokens"],
                "cache_write_tokens": u["cache_write_tokens"],
            },
            "output_tokens": u["output_tokens"],
            "output_tokens_details": {"reasoning_tokens": u["reasoning_tokens"]},
            "total_tokens": u["input_tokens"] + u["output_tokens"],
        }
        return {
            "id": resp.id,
            "object": "response",
            "created_at": 1_790_000_000,
            "status": status,
            "background": True,
            "model": resp.model,
            "store": True,
            "service_tier": "default",
            "output": [_item(text, "completed")] if text else [],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": usage if final and status != "cancelled" else None,
            "error": {
                "code": sc.fail_code,
                "message": "Your input exceeds the context window of "
                "this model. Please adjust your input and try again.",
            }
            if status == "failed"
            else None,
            "incomplete_details": {"reason": sc.incomplete_reason}
            if status == "incomplete"
            else None,
        }

    def current(self, resp: _Response) -> dict[str, Any]:
        """A non-streamed retrieve: in progress until streamed to the end or polled enough."""
        if resp.cancelled:
            return self.obj(resp, "cancelled")
        total = len(self.events(resp))
        if resp.delivered >= total:
            return self.obj(resp, self.scenario.final)
        if not resp.streamed:
            if resp.polls_left <= 0:
                return self.obj(resp, self.scenario.final)
            resp.polls_left -= 1
        return self.obj(resp, "in_progress")

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.scenario.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def _item(text: str, status: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": "msg_1",
        "role": "assistant",
        "status": status,
        "content": [_part(text)] if text else [],
    }


def _part(text: str) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": []}


def error_body(
    message: str, code: str | None, *, kind: str = "invalid_request_error", param: str | None = None
) -> dict[str, Any]:
    """The API's error JSON."""
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


def _handler(server: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def _route(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            query = parse_qs(url.query)
            server.requests.append(
                Recorded(
                    method, url.path, query, body, {k.lower(): v for k, v in self.headers.items()}
                )
            )
            parts = url.path.strip("/").split("/")
            key = _endpoint(method, parts)
            sc = server.scenario
            if key in sc.delays:
                time.sleep(sc.delays[key])
            queued = sc.errors.get(key)
            if queued:
                status, payload = queued.pop(0)
                self._json(status, payload, sc.error_headers)
                return
            try:
                getattr(self, f"_{key}")(parts, body, query)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away (Ctrl-C tests)

        def _create(self, parts: list[str], body: dict[str, Any], query: Any) -> None:
            sc = server.scenario
            if body.get("stream") and sc.refuse_stream:
                self._json(
                    400,
                    error_body(
                        "Your organization must be verified to stream this model.",
                        "unsupported_value",
                        param="stream",
                    ),
                )
                return
            resp = _Response(server.next_id("resp"), body["model"], bool(body.get("stream")))
            resp.polls_left = sc.poll_ticks
            server.responses[resp.id] = resp
            if body.get("stream"):
                cut = sc.drop_after
                sc.drop_after = None
                self._stream(resp, server.events(resp), cut)
            else:
                self._json(200, server.obj(resp, "queued"))

        def _retrieve(self, parts: list[str], body: Any, query: dict[str, list[str]]) -> None:
            resp = server.responses.get(parts[2])
            if resp is None:
                self._json(404, error_body(f"No response with id '{parts[2]}'", None))
                return
            if query.get("stream") == ["true"]:
                after = int(query.get("starting_after", ["0"])[0])
                events = [e for e in server.events(resp) if e["sequence_number"] > after]
                self._stream(resp, events, None)
            else:
                self._json(200, server.current(resp))

        def _cancel(self, parts: list[str], body: Any, query: Any) -> None:
            resp = server.responses.get(parts[2])
            if resp is None:
                self._json(404, error_body(f"No response with id '{parts[2]}'", None))
                return
            resp.cancelled = True
            self._json(200, server.obj(resp, "cancelled"))

        def _model(self, parts: list[str], body: Any, query: Any) -> None:
            models = server.scenario.models
            model_id = parts[2]
            if models is not None and model_id not in models:
                self._json(
                    404, error_body(f"The model '{model_id}' does not exist", "model_not_found")
                )
                return
            shutdown = models.get(model_id) if models else None
            self._json(
                200,
                {
                    "id": model_id,
                    "object": "model",
                    "created": 1_700_000_000,
                    "owned_by": "openai",
                    "shutdown_date": shutdown,
                },
            )

        def _chat(self, parts: list[str], body: dict[str, Any], query: Any) -> None:
            sc = server.scenario
            cid = server.next_id("chatcmpl")
            finish = "length" if sc.final == "incomplete" else "stop"
            chunks = [_chunk(cid, body["model"], {"content": c}, None) for c in sc.chunks]
            chunks.append(_chunk(cid, body["model"], {}, finish))
            u = sc.usage
            last = _chunk(cid, body["model"], None, None)
            last["usage"] = {
                "prompt_tokens": u["input_tokens"],
                "completion_tokens": u["output_tokens"],
                "total_tokens": u["input_tokens"] + u["output_tokens"],
                "prompt_tokens_details": {"cached_tokens": u["cached_tokens"]},
                "completion_tokens_details": {"reasoning_tokens": u["reasoning_tokens"]},
            }
            chunks.append(last)
            self._start_sse()
            for chunk in chunks:
                self._chunked(f"data: {json.dumps(chunk)}\n\n")
            self._chunked("data: [DONE]\n\n")
            self._chunked("")

        def _unknown(self, parts: list[str], body: Any, query: Any) -> None:
            self._json(404, error_body(f"Unknown path /{'/'.join(parts)}", None))

        def _stream(self, resp: _Response, events: list[dict[str, Any]], cut: int | None) -> None:
            sc = server.scenario
            self._start_sse()
            for count, event in enumerate(events):
                if cut is not None and count >= cut:
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)  # no final chunk: a broken stream
                    self.close_connection = True
                    return
                if sc.hang_after is not None and event["sequence_number"] > sc.hang_after:
                    sc.release.wait(10)
                    sc.hang_after = None
                self._chunked(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n")
                resp.delivered = max(resp.delivered, event["sequence_number"])
            self._chunked("")

        def _start_sse(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("x-request-id", server.next_id("req"))
            self.end_headers()

        def _chunked(self, text: str) -> None:
            data = text.encode("utf-8")
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", server.next_id("req"))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _endpoint(method: str, parts: list[str]) -> str:
    if method == "POST" and parts == ["v1", "responses"]:
        return "create"
    if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "responses"]:
        return "retrieve"
    if method == "POST" and len(parts) == 4 and parts[3] == "cancel":
        return "cancel"
    if method == "GET" and len(parts) == 3 and parts[:2] == ["v1", "models"]:
        return "model"
    if method == "POST" and parts == ["v1", "chat", "completions"]:
        return "chat"
    return "unknown"


def _chunk(
    cid: str, model: str, delta: dict[str, Any] | None, finish: str | None
) -> dict[str, Any]:
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": 1_790_000_000,
        "model": model,
        "choices": choices,
    }


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve() -> Iterator[FakeOpenAI]:
    """Run a server for the duration of a fixture."""
    with FakeOpenAI() as server:
        yield server

"""Run folders: every send is kept on disk as it happens, then listed, shown and resumed."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefpack.errors import BriefpackError
from briefpack.tokens.store import keep_local, write_atomic

BRIEF = "brief.md"
REQUEST = "request.json"
RESPONSE_ID = "response_id"
ANSWER = "answer.md"
META = "meta.json"
# Server-side states after which nothing more will arrive.
TERMINAL = frozenset({"completed", "incomplete", "failed", "cancelled"})
UNREADABLE = "unreadable"  # the status listed for a run whose meta.json cannot be read


@dataclass
class Run:
    """One run folder and its meta.json, kept in memory and saved after every change."""

    path: Path
    meta: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None  # why meta.json could not be read: the run is listed, not used

    @property
    def id(self) -> str:
        """The folder name, which is the run's id."""
        return self.path.name

    @property
    def answer_path(self) -> Path:
        """Where the answer is written as it arrives."""
        return self.path / ANSWER

    @property
    def finished(self) -> bool:
        """Whether the server reached a final state for this run."""
        return self.meta.get("status") in TERMINAL

    def update(self, **values: Any) -> None:
        """Merge `values` into meta.json and write it atomically."""
        self.meta.update(values)
        write_atomic(self.path / META, (json.dumps(self.meta, indent=2) + "\n").encode("utf-8"))

    def record_response(self, response_id: str, request_id: str | None) -> None:
        """Write the response id to disk before anything waits on it."""
        write_atomic(self.path / RESPONSE_ID, (response_id + "\n").encode("utf-8"))
        self.update(response_id=response_id, request_id=request_id)

    def append(self, text: str, sequence_number: int | None) -> None:
        """Append answer text, then move the cursor (answer bytes + last event) past it."""
        data = text.encode("utf-8")
        with self.answer_path.open("ab") as handle:
            handle.write(data)
        self.advance(sequence_number, answer_bytes=self.meta.get("answer_bytes", 0) + len(data))

    def advance(self, sequence_number: int | None, *, answer_bytes: int | None = None) -> None:
        """Record the last event seen, so a resume starts after it."""
        values: dict[str, Any] = {}
        if sequence_number is not None:
            values["sequence_number"] = sequence_number
        if answer_bytes is not None:
            values["answer_bytes"] = answer_bytes
        if values:
            self.update(**values)

    def rewind(self) -> None:
        """Cut the answer back to what the cursor covers (text written after it is replayed)."""
        size = int(self.meta.get("answer_bytes", 0))
        if self.answer_path.exists() and self.answer_path.stat().st_size != size:
            with self.answer_path.open("r+b") as handle:
                handle.truncate(size)

    def replace_answer(self, text: str) -> None:
        """Write the whole answer (from a final response object)."""
        write_atomic(self.answer_path, text.encode("utf-8"))
        self.update(answer_bytes=len(text.encode("utf-8")))

    def answer(self) -> str:
        """The answer so far ('' when nothing arrived)."""
        if not self.answer_path.exists():
            return ""
        return self.answer_path.read_text(encoding="utf-8", errors="replace")


def slug(text: str, *, limit: int = 40) -> str:
    """'Add rate limiting to login' -> 'add-rate-limiting-to-login' (ASCII words, bounded)."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or "brief"


def create_run(
    runs_dir: Path, *, title: str, brief: str, body: dict[str, Any], meta: dict[str, Any]
) -> Run:
    """A new run folder holding the brief and the request body, before anything is sent."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{slug(title)}"
    runs_dir.mkdir(parents=True, exist_ok=True)
    keep_local(runs_dir / base)
    path = runs_dir / base
    number = 1
    while True:
        try:
            path.mkdir()
            break
        except FileExistsError:
            number += 1
            path = runs_dir / f"{base}-{number}"
    (path / BRIEF).write_text(brief, encoding="utf-8")
    (path / REQUEST).write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    run = Run(path)
    run.update(id=path.name, created_at=now(), status="created", answer_bytes=0, **meta)
    return run


def load_run(path: Path) -> Run:
    """A run folder and its meta.json."""
    try:
        meta = json.loads((path / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BriefpackError(f"{path}: unreadable {META}: {exc}") from None
    if not isinstance(meta, dict):
        raise BriefpackError(f"{path}: unreadable {META}: not a JSON object")
    return Run(path, meta)


def list_runs(runs_dir: Path) -> list[Run]:
    """Every run under `runs_dir`, oldest first; one whose meta.json is broken has status
    `unreadable` and its `problem`, so it hides no other run."""
    if not runs_dir.is_dir():
        return []
    return [_listed(p) for p in sorted(runs_dir.iterdir()) if (p / META).is_file()]


def _listed(path: Path) -> Run:
    try:
        return load_run(path)
    except BriefpackError as exc:
        return Run(path, {"id": path.name, "status": UNREADABLE}, problem=exc.message)


def find_run(runs_dir: Path, ref: str) -> Run:
    """The run named `ref`: its folder name, a unique prefix, its response id, or `last`."""
    run = _find(runs_dir, ref)
    if run.problem is not None:
        raise BriefpackError(run.problem, hint="fix or remove that run's folder")
    return run


def _find(runs_dir: Path, ref: str) -> Run:
    runs = list_runs(runs_dir)
    if not runs:
        raise BriefpackError(f"no runs in {runs_dir}", hint="`briefpack send` creates one")
    if ref == "last":
        return runs[-1]
    exact = [r for r in runs if ref in (r.id, r.meta.get("response_id"))]
    matches = exact or [r for r in runs if r.id.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise BriefpackError(f"no run '{ref}' in {runs_dir}", hint="`briefpack runs` lists them")
    names = ", ".join(r.id for r in matches[:5])
    raise BriefpackError(f"'{ref}' matches several runs: {names}", hint="give more of the id")


def now() -> str:
    """The current UTC time, ISO 8601, for meta.json timings."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

"""A thin wrapper over a DB-API connection (psycopg in production, sqlite in tests)."""

from __future__ import annotations

from typing import Any, Protocol


class Connection(Protocol):
    def one(self, sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None: ...
    def scalar(self, sql: str, params: tuple[Any, ...]) -> Any: ...
    def execute(self, sql: str, params: tuple[Any, ...]) -> None: ...

"""The dated model table (`models.toml`): windows, encodings, efforts, prices, shutdowns."""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

from briefpack.errors import ConfigError

ENCODINGS = ("o200k_base", "cl100k_base")

# Tokens kept free for reasoning and the answer when no `reserve` is configured. The reasoning
# guide says to "reserve at least 25,000 tokens for reasoning and outputs"; higher efforts think longer.
RESERVE_BY_EFFORT = {
    "none": 8_000,
    "minimal": 8_000,
    "low": 16_000,
    "medium": 25_000,
    "high": 50_000,
    "xhigh": 100_000,
    "max": 128_000,
}


@dataclass(frozen=True)
class ModelInfo:
    """One row of the model table."""

    id: str
    encoding: str
    context_window: int
    max_output: int
    max_input: int | None = None
    efforts: tuple[str, ...] = ()
    responses_only: bool = False
    price_input: float | None = None
    price_cached: float | None = None
    price_output: float | None = None
    price_cache_write: float | None = None
    shutdown: str | None = None
    successor: str | None = None
    source: str = ""
    date: str = ""

    @property
    def input_limit(self) -> int:
        """The most input tokens the model takes (its window when no separate cap is known)."""
        return self.max_input or self.context_window

    @property
    def has_prices(self) -> bool:
        """Whether input and output prices are known."""
        return self.price_input is not None and self.price_output is not None

    def is_shut_down(self, today: dt.date | None = None) -> bool:
        """Whether the table marks this model as shut down by `today`."""
        if not self.shutdown:
            return False
        return dt.date.fromisoformat(self.shutdown) <= (today or dt.date.today())


@dataclass(frozen=True)
class ModelTable:
    """The packaged table with its date and sources."""

    date: str
    sources: tuple[str, ...]
    models: Mapping[str, ModelInfo]


_FIELDS = {f.name for f in fields(ModelInfo)} - {"id"}


UNKNOWN_SOURCE = "not in the model table: tokens counted with o200k_base, window assumed"


@cache
def load_table() -> ModelTable:
    """The table shipped in the package."""
    text = resources.files("briefpack.tokens").joinpath("models.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    models = {mid: _row(mid, row, "models.toml") for mid, row in data["models"].items()}
    return ModelTable(date=data["date"], sources=tuple(data["sources"]), models=models)


def resolve_model(
    model_id: str,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    unknown_ok: bool = False,
) -> ModelInfo:
    """The row for `model_id`: config's `[models."<id>"]` over the packaged table.

    An id in neither is an error, or with `unknown_ok` (send: the endpoint decides) a stand-in.
    """
    table = load_table().models
    user = (extra or {}).get(model_id)
    base = table.get(model_id)
    if user is not None:
        merged = {**_as_dict(base), **user} if base else dict(user)
        return _row(model_id, merged, ".briefpack.toml")
    if base is not None:
        return base
    if unknown_ok:
        return provisional(model_id, table.values())
    known = ", ".join(sorted(table))
    raise ConfigError(
        f"unknown model '{model_id}'",
        hint=f'known models: {known}; or give its encoding and context_window under [models."{model_id}"]',
    )


def provisional(model_id: str, rows: Iterable[ModelInfo]) -> ModelInfo:
    """A stand-in for a model nobody described: o200k_base, the largest known window, no prices."""
    widest = max(rows, key=lambda r: r.context_window)
    return ModelInfo(
        id=model_id,
        encoding="o200k_base",
        context_window=widest.context_window,
        max_output=widest.max_output,
        source=UNKNOWN_SOURCE,
    )


def reserve_for(model: ModelInfo, effort: str, reserve: int | None) -> int:
    """Tokens kept free for reasoning and answer: configured, else by effort, capped at
    max_output and at half the window, so a small window still leaves room for a brief
    (gpt-4's 8,192 tokens, all of them a possible output, left none)."""
    if reserve is not None:
        return reserve
    wanted = RESERVE_BY_EFFORT.get(effort, 25_000)
    return min(wanted, model.max_output, model.context_window // 2)


def budget_for(model: ModelInfo, effort: str, *, reserve: int | None, budget: int | None) -> int:
    """Input tokens a brief may use: `--budget`, else window minus reserve, within max input."""
    if budget is not None:
        return budget
    return min(model.input_limit, model.context_window - reserve_for(model, effort, reserve))


def _as_dict(row: ModelInfo | None) -> dict[str, Any]:
    if row is None:
        return {}
    return {name: getattr(row, name) for name in _FIELDS}


def _row(model_id: str, row: Mapping[str, Any], where: str) -> ModelInfo:
    unknown = set(row) - _FIELDS
    if unknown:
        raise ConfigError(f'{where}: [models."{model_id}"] has unknown key {sorted(unknown)[0]!r}')
    for key in ("encoding", "context_window"):
        if key not in row:
            raise ConfigError(f'{where}: [models."{model_id}"] needs {key!r}')
    if row["encoding"] not in ENCODINGS:
        raise ConfigError(
            f'{where}: [models."{model_id}"] encoding must be one of {", ".join(ENCODINGS)}'
        )
    values = dict(row)
    values.setdefault("max_output", min(int(row["context_window"]) // 4, 128_000))
    values["efforts"] = tuple(values.get("efforts", ()))
    try:
        return ModelInfo(id=model_id, **values)
    except TypeError as exc:
        raise ConfigError(f'{where}: [models."{model_id}"]: {exc}') from None

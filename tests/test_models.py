"""The model table: complete rows, dated and sourced, and how config extends it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import get_args

import pytest
from typer.testing import Result

from briefpack.brief.config import DEFAULT_MODEL, Effort
from briefpack.errors import ConfigError
from briefpack.tokens.models import ENCODINGS, budget_for, load_table, reserve_for, resolve_model
from tests.conftest import write_tree

CLI = Callable[..., Result]


def test_table_is_dated_and_sourced() -> None:
    table = load_table()
    dt.date.fromisoformat(table.date)
    assert table.sources
    assert DEFAULT_MODEL in table.models


@pytest.mark.parametrize("model_id", sorted(load_table().models))
def test_every_row_is_complete_and_consistent(model_id: str) -> None:
    row = load_table().models[model_id]
    assert row.encoding in ENCODINGS
    assert row.context_window > 0 and 0 < row.max_output <= row.context_window
    assert row.input_limit <= row.context_window
    assert set(row.efforts) <= set(get_args(Effort)), row.efforts
    assert row.source and row.date
    if row.price_input is not None:
        assert row.price_output is not None and row.price_output >= row.price_input
    if row.shutdown:
        dt.date.fromisoformat(row.shutdown)
        assert row.successor in load_table().models


def test_o1_is_marked_shut_down_with_its_successor() -> None:
    o1 = resolve_model("o1")
    assert o1.is_shut_down(dt.date(2026, 11, 22))
    assert not o1.is_shut_down(dt.date(2026, 10, 1))
    assert o1.successor == DEFAULT_MODEL
    assert not resolve_model(DEFAULT_MODEL).is_shut_down(dt.date(2026, 11, 22))


def test_gpt4_counts_with_cl100k() -> None:
    assert resolve_model("gpt-4").encoding == "cl100k_base"


def test_unknown_model_error_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_model("gpt-9-ultra")
    assert "unknown model 'gpt-9-ultra'" in caught.value.message
    assert caught.value.hint is not None and "o3" in caught.value.hint


def test_config_adds_and_overrides_rows() -> None:
    mine = resolve_model(
        "my-proxy", {"my-proxy": {"encoding": "cl100k_base", "context_window": 32000}}
    )
    assert mine.encoding == "cl100k_base" and mine.max_output == 8000 and not mine.has_prices
    cheaper = resolve_model("o3", {"o3": {"price_input": 0.5}})
    assert cheaper.price_input == 0.5
    assert cheaper.context_window == resolve_model("o3").context_window


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ({"context_window": 1}, "needs 'encoding'"),
        ({"encoding": "p50k_base", "context_window": 1}, "encoding must be one of"),
        ({"encoding": "o200k_base", "context_window": 1, "colour": "red"}, "unknown key 'colour'"),
    ],
)
def test_bad_config_rows_are_clear_errors(row: dict[str, object], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        resolve_model("x", {"x": row})


def test_budget_is_window_minus_reserve_within_max_input() -> None:
    model = resolve_model("o3")
    assert reserve_for(model, "high", None) == 50_000
    assert reserve_for(model, "high", 1234) == 1234
    assert budget_for(model, "high", reserve=None, budget=None) == min(
        model.input_limit, model.context_window - 50_000
    )
    assert budget_for(model, "high", reserve=None, budget=777) == 777
    small = resolve_model(
        "s", {"s": {"encoding": "o200k_base", "context_window": 40_000, "max_output": 10_000}}
    )
    assert reserve_for(small, "max", None) == 10_000  # capped at what the model can output


def test_a_small_window_leaves_room_for_a_brief(cli: CLI, git_repo: Path) -> None:
    """Issue 21.10: gpt-4's 8,192-token window is also its max output; the reserve takes half."""
    write_tree(git_repo, {"app.py": "print('hi')\n"})
    result = cli(["stats", "--json", "-m", "gpt-4"], cwd=git_repo)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["budget"] == 4096 and data["fits"]

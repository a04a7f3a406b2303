"""The pure parts of sending: bodies, the cost estimate, the answer's contents, run folders."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from briefpack.brief.config import Config
from briefpack.errors import BriefpackError
from briefpack.send import request
from briefpack.send.answer import headings, table_of_contents
from briefpack.send.failure import Failure, Where, describe
from briefpack.send.runs import create_run, find_run, slug
from briefpack.tokens.models import ModelInfo, load_table

SOL = load_table().models["gpt-5.6-sol"]


def test_the_developer_message_follows_the_setting_not_the_words() -> None:
    """`markdown_answer` decides; "no markdown" in the return format once turned it on."""
    on = request.developer_message(True)
    assert on is not None and on.startswith("Formatting re-enabled\n")
    assert request.developer_message(False) is None


def test_output_cap_reserves_at_least_25k_within_the_model_cap() -> None:
    assert request.output_cap(SOL, Config(effort="low")) == 25_000
    assert request.output_cap(SOL, Config(effort="xhigh")) == 100_000
    assert request.output_cap(SOL, Config(effort="high", max_output_tokens=4_000)) == 4_000
    small = ModelInfo(id="s", encoding="o200k_base", context_window=32_000, max_output=8_000)
    assert request.output_cap(small, Config(effort="high")) == 8_000


def test_estimate_worst_case_is_input_plus_max_output() -> None:
    est = request.estimate(SOL, input_tokens=100_000, effort="high", max_output=50_000, date="d")
    assert est is not None and not est.long_context
    rate_in = max(SOL.price_input or 0, SOL.price_cache_write or 0)
    assert est.high == pytest.approx((100_000 * rate_in + 50_000 * (SOL.price_output or 0)) / 1e6)
    assert est.low < est.high
    assert est.date == SOL.date


def test_estimate_long_context_and_unknown_prices() -> None:
    short = request.estimate(SOL, input_tokens=272_000, effort="high", max_output=1, date="d")
    long = request.estimate(SOL, input_tokens=272_001, effort="high", max_output=1, date="d")
    assert short is not None and long is not None and long.long_context
    assert long.high > 1.9 * short.high
    unknown = ModelInfo(id="u", encoding="o200k_base", context_window=8_000, max_output=1_000)
    assert request.estimate(unknown, input_tokens=1, effort="low", max_output=1, date="d") is None
    assert request.actual_cost(unknown, {"input_tokens": 1}) is None


def test_actual_cost_prices_cached_and_written_tokens() -> None:
    usage = {
        "input_tokens": 1_000,
        "cached_tokens": 300,
        "cache_write_tokens": 200,
        "output_tokens": 100,
    }
    p_in, p_cached, p_out = SOL.price_input or 0, SOL.price_cached or 0, SOL.price_output or 0
    p_write = SOL.price_cache_write or 0
    expected = (500 * p_in + 300 * p_cached + 200 * p_write + 100 * p_out) / 1e6
    assert request.actual_cost(SOL, usage) == pytest.approx(expected)


def test_warnings_for_retired_models_and_unlisted_efforts() -> None:
    o1 = load_table().models["o1"]
    warning = request.retired_warning(o1)
    assert warning is not None and "2026-10-23" in warning and "gpt-5.6-sol" in warning
    assert request.retired_warning(SOL) is None
    assert request.effort_warning(o1, "xhigh") is not None
    assert request.effort_warning(o1, "high") is None


def test_headings_skip_code_fences() -> None:
    text = "# One\n\n```py\n# not a heading\n```\n## Two ##\n~~~\n# no\n~~~\n### Three\n"
    assert headings(text) == [(1, "One"), (2, "Two"), (3, "Three")]
    assert table_of_contents(text) == "Contents\n  - One\n    - Two\n      - Three\n"
    assert table_of_contents("# Only one\n") == ""


def test_slug() -> None:
    assert (
        slug("Add rate limiting to the login endpoint!")
        == "add-rate-limiting-to-the-login-endpoint"
    )
    assert slug("   ") == "brief"
    assert len(slug("word " * 40)) <= 40


def test_run_folders_are_unique_and_found_by_prefix(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    first = create_run(runs, title="Same", brief="b", body={}, meta={"model": "m"})
    second = create_run(runs, title="Same", brief="b", body={}, meta={"model": "m"})
    assert first.id != second.id
    assert find_run(runs, "last").id == second.id
    assert find_run(runs, second.id).id == second.id
    with pytest.raises(BriefpackError, match="several runs"):
        find_run(runs, first.id[:8])
    with pytest.raises(BriefpackError, match="no runs"):
        find_run(tmp_path / "none", "last")


@pytest.mark.parametrize("broken", ["{not json", "[]"])
def test_a_broken_run_is_listed_as_unreadable_and_hides_no_other(
    cli: Callable[..., Result], git_repo: Path, broken: str
) -> None:
    runs = git_repo / ".briefpack" / "runs"
    first = create_run(runs, title="one", brief="b", body={}, meta={"model": "o3"})
    bad = create_run(runs, title="two", brief="b", body={}, meta={"model": "o3"})
    last = create_run(runs, title="three", brief="b", body={}, meta={"model": "o3"})
    (bad.path / "meta.json").write_text(broken)
    listed = cli(["runs"], cwd=git_repo)
    assert listed.exit_code == 0, listed.stderr
    rows = {line.split()[0]: line.split()[1] for line in listed.stdout.splitlines()[1:]}
    assert rows == {first.id: "created", bad.id: "unreadable", last.id: "created"}
    assert listed.stderr.startswith(f"warning: {bad.path}: unreadable meta.json")
    data = json.loads(cli(["runs", "--json"], cwd=git_repo).stdout)
    assert {r["id"]: r["status"] for r in data} == rows
    shown = cli(["runs", "show", bad.id], cwd=git_repo)
    assert shown.exit_code == 1 and shown.stderr.startswith(f"error: {bad.path}: unreadable")
    assert find_run(runs, first.id).id == first.id


def test_rewind_drops_text_past_the_cursor(tmp_path: Path) -> None:
    run = create_run(tmp_path, title="t", brief="b", body={}, meta={})
    run.append("kept ", 5)
    with run.answer_path.open("a") as handle:
        handle.write("written after the cursor")  # a crash between the two writes
    run.rewind()
    assert run.answer() == "kept "


def test_run_files_are_replaced_whole_keeping_their_mode(tmp_path: Path) -> None:
    """meta.json, response_id and answer.md go through the one atomic write: a unique temporary
    file beside them, renamed into place, with the mode the user gave the file."""
    run = create_run(tmp_path, title="t", brief="b", body={}, meta={})
    run.record_response("resp_1", "req_1")
    run.replace_answer("first")
    for name in ("meta.json", "response_id", "answer.md"):
        (run.path / name).chmod(0o600)  # e.g. runs made private on a shared machine
    before = (run.path / "meta.json").stat().st_ino
    run.record_response("resp_2", "req_2")
    run.replace_answer("second")
    for name in ("meta.json", "response_id", "answer.md"):
        assert stat.S_IMODE((run.path / name).stat().st_mode) == 0o600, name
    assert (run.path / "meta.json").stat().st_ino != before  # replaced, not rewritten in place
    assert run.answer() == "second" and run.meta["response_id"] == "resp_2"
    assert sorted(p.name for p in run.path.iterdir()) == [
        "answer.md",
        "brief.md",
        "meta.json",
        "request.json",
        "response_id",
    ]


WHERE = Where(SOL, "http://127.0.0.1:9/v1", 2.5)


@pytest.mark.parametrize(
    ("failure", "transient"),
    [
        (Failure("timeout", "t"), True),
        (Failure("connection", "refused"), True),
        (Failure("status", "m", status=429, code="rate_limit_exceeded"), True),
        (Failure("status", "m", status=429, code="insufficient_quota"), False),
        (Failure("status", "m", status=503), True),
        (Failure("status", "m", status=409), True),
        (Failure("status", "m", status=400, code="context_length_exceeded"), False),
        (Failure("status", "m", status=401), False),
    ],
)
def test_which_failures_leave_a_run_to_resume(failure: Failure, transient: bool) -> None:
    assert failure.transient is transient


def test_failure_messages_name_the_request() -> None:
    too_long = describe(
        Failure("stream", "x", code="context_length_exceeded", request_id="req_1"), WHERE
    )
    assert (
        too_long.message
        == "the brief is too long for gpt-5.6-sol (context_length_exceeded, request req_1)"
    )
    assert too_long.exit_code == 6 and too_long.hint is not None
    effort = describe(
        Failure("status", "bad", status=400, code="unsupported_value", param="reasoning.effort"),
        WHERE,
    )
    assert (
        effort.message
        == "gpt-5.6-sol does not accept reasoning.effort (400 unsupported_value): bad"
    )
    assert effort.hint is not None and "xhigh" in effort.hint
    timeout = describe(Failure("timeout", "t"), WHERE)
    assert timeout.message == "timed out after 2.5s waiting for http://127.0.0.1:9/v1"
    other = describe(Failure("status", "teapot", status=418, request_id="req_2"), WHERE)
    assert other.message == "the API refused the request (418, request req_2): teapot"
    failed = describe(Failure("stream", "server broke"), WHERE)
    assert failed.message == "the response failed (failed): server broke"

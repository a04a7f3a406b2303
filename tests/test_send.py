"""`briefpack send` and `runs` against a local OpenAI-compatible server, with the real SDK."""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from briefpack.send.request import actual_cost
from briefpack.send.session import Timing
from briefpack.tokens.models import load_table
from tests import wire
from tests.conftest import write_tree
from tests.openai_server import ANSWER, FakeOpenAI, closed_port, error_body

Cli = Callable[..., Result]
FULL_ANSWER = "".join(ANSWER)


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """The local server, with the SDK pointed at it and short timeouts."""
    with FakeOpenAI() as fake:
        monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
        monkeypatch.setenv("BRIEFPACK_TIMEOUT", "3")
        monkeypatch.setenv("BRIEFPACK_RETRY_DELAY", "0.01")
        monkeypatch.setenv("BRIEFPACK_POLL_INTERVAL", "0.01")
        yield fake


@pytest.fixture
def project(git_repo: Path) -> Path:
    """A small repository with a goal and a Markdown return format."""
    return write_tree(
        git_repo,
        {
            ".briefpack.toml": 'goal = "Explain the app"\nformat = "Markdown, one section each"\n',
            "app.py": 'print("hello")\n',
        },
    )


def only_run(project: Path) -> Path:
    runs = sorted((project / ".briefpack" / "runs").iterdir())
    assert len(runs) == 1
    return runs[0]


def meta(run: Path) -> dict[str, Any]:
    return dict(json.loads((run / "meta.json").read_text()))


def creates(server: FakeOpenAI) -> list[Any]:
    return server.bodies("/v1/responses")


def test_send_streams_the_answer_into_a_run_folder(
    cli: Cli, project: Path, server: FakeOpenAI
) -> None:
    built = cli(["build", "--stdout"], cwd=project)
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == FULL_ANSWER  # not a terminal: plain text
    run = only_run(project)
    assert (run / "brief.md").read_text() == built.stdout
    assert (run / "answer.md").read_text() == FULL_ANSWER
    (body,) = creates(server)
    assert json.loads((run / "request.json").read_text()) == body
    assert wire.errors(body, "CreateResponse") == []
    assert body["background"] is True and body["store"] is True and body["stream"] is True
    assert body["reasoning"] == {"effort": "high"}
    assert body["input"][0]["role"] == "developer"
    assert body["input"][0]["content"].startswith("Formatting re-enabled\n")
    assert body["input"][1] == {"role": "user", "content": built.stdout}
    assert "authorization" not in json.dumps(body).lower()
    # The model was checked before the paid call; the create was sent once.
    kinds = [(r.method, r.path.split("/")[2]) for r in server.requests]
    assert kinds[0] == ("GET", "models") and kinds.count(("POST", "responses")) == 1
    info = meta(run)
    rid = info["response_id"]
    assert (run / "response_id").read_text().strip() == rid and rid in server.responses
    assert info["status"] == "completed" and info["request_id"].startswith("req_")
    assert info["service_tier"] == "default"
    usage = server.scenario.usage
    assert info["usage"] == {
        **usage,
        "total_tokens": usage["input_tokens"] + usage["output_tokens"],
    }
    model = load_table().models["gpt-5.6-sol"]
    expected = (
        (usage["input_tokens"] - usage["cached_tokens"]) * model.price_input
        + usage["cached_tokens"] * model.price_cached
        + usage["output_tokens"] * model.price_output
    ) / 1e6
    assert info["cost"] == pytest.approx(expected)
    assert "$" in result.stderr and "reasoning" in result.stderr


def test_summary_names_model_effort_tokens_and_price_date(cli: Cli, project: Path) -> None:
    result = cli(["send", "--dry-run", "-e", "medium"], cwd=project)
    assert result.exit_code == 0, result.stderr
    table = load_table()
    assert "gpt-5.6-sol" in result.stderr and "medium" in result.stderr
    assert f"of {table.models['gpt-5.6-sol'].input_limit:,}" in result.stderr
    assert f"prices of {table.date}" in result.stderr
    assert "(responses API at https://api.openai.com/v1)" in result.stderr


def test_dry_run_needs_no_key_and_sends_nothing(
    cli: Cli, project: Path, server: FakeOpenAI
) -> None:
    os.environ.pop("OPENAI_API_KEY")
    result = cli(["send", "--dry-run", "--max-output-tokens", "30000"], cwd=project)
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert wire.errors(body, "CreateResponse") == []
    assert body["max_output_tokens"] == 30000
    assert server.requests == []
    assert not (project / ".briefpack" / "runs").exists()


def test_a_markdown_answer_is_a_setting_not_a_guess_from_words(cli: Cli, project: Path) -> None:
    """`--markdown/--no-markdown` and `markdown_answer` decide the developer message; the return
    format's words ("no markdown", "JSON") decide nothing."""

    def developer(*args: str) -> list[str]:
        result = cli(["send", "--dry-run", *args], cwd=project)
        assert result.exit_code == 0, result.stderr
        body = json.loads(result.stdout)
        return [m["content"] for m in body["input"] if m["role"] == "developer"]

    formats = ["Answer in plain text, no markdown", "JSON only", "Markdown, one section each"]
    for fmt in formats:
        (on,) = developer("-f", fmt)
        assert on.startswith("Formatting re-enabled\n")
        assert developer("-f", fmt, "--no-markdown") == []
    config = project / ".briefpack.toml"
    config.write_text(config.read_text() + "markdown_answer = false\n")
    assert developer() == []
    assert len(developer("--markdown")) == 1  # the flag beats the config


def test_no_terminal_and_no_yes_refuses(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    result = cli(["send"], cwd=project)
    assert result.exit_code == 7
    assert "no terminal" in result.stderr and "--yes" in result.stderr
    assert creates(server) == []


def test_max_cost_refuses_even_with_yes(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    result = cli(["send", "--yes", "--max-cost", "0.01"], cwd=project)
    assert result.exit_code == 7
    assert "over the limit of $0.0100" in result.stderr
    assert creates(server) == []
    assert cli(["send", "--yes", "--max-cost", "50"], cwd=project).exit_code == 0


def test_unknown_cost_with_max_cost_refuses(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    (project / ".briefpack.toml").write_text(
        'goal = "x"\nmax_cost = 5.0\n[models."local-llm"]\nencoding = "o200k_base"\n'
        "context_window = 32000\n"
    )
    result = cli(["send", "--yes", "-m", "local-llm"], cwd=project)
    assert result.exit_code == 7 and "cost of local-llm is unknown" in result.stderr
    assert creates(server) == []


def _pty_send(project: Path, answer: bytes) -> tuple[int, str]:
    """Run `briefpack send` on a real terminal and type `answer` at the prompt."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefpack", "send"],
        cwd=project,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=os.environ.copy(),
    )
    os.close(follower)
    seen = b""
    deadline = time.monotonic() + 20
    while b"Send?" not in seen and time.monotonic() < deadline:
        seen += os.read(leader, 4096)
    os.write(leader, answer)
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    return proc.wait(timeout=20), seen.decode(errors="replace")


@pytest.mark.slow
def test_confirmation_on_a_terminal(project: Path, server: FakeOpenAI) -> None:
    code, screen = _pty_send(project, b"n\n")
    assert code == 7 and "Send? [y/N]" in screen
    assert creates(server) == []
    code, screen = _pty_send(project, b"\x04")  # end of input at the prompt
    assert code == 130 and "not sent" in screen
    assert creates(server) == []
    code, screen = _pty_send(project, b"y\n")
    assert code == 0, screen
    assert len(creates(server)) == 1
    assert "Contents" in screen and "Risks" in screen  # rendered, with its table of contents


def test_dropped_stream_is_picked_up_by_runs_resume(
    cli: Cli, project: Path, server: FakeOpenAI
) -> None:
    server.scenario.drop_after = 6
    server.scenario.errors["retrieve"] = [(503, error_body("overloaded", None))] * 4
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 6
    assert "could not pick it up again" in result.stderr and "runs resume" in result.stderr
    run = only_run(project)
    info = meta(run)
    assert info["status"] == "disconnected" and info["sequence_number"] == 6
    assert (run / "answer.md").read_text() == ANSWER[0] + ANSWER[1]  # what arrived is kept
    result = cli(["runs", "resume", run.name], cwd=project)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == FULL_ANSWER
    assert (run / "answer.md").read_text() == FULL_ANSWER
    streams = [r.query for r in server.calls("GET", "/v1/responses/") if r.query.get("stream")]
    assert streams[-1]["starting_after"] == ["6"]
    assert meta(run)["status"] == "completed" and meta(run)["usage"]["output_tokens"] > 0


def test_a_drop_before_the_response_id_says_the_request_may_still_run(
    cli: Cli, project: Path, server: FakeOpenAI
) -> None:
    server.scenario.drop_after = 0
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 6
    assert "before the server sent a response id" in result.stderr
    assert "may still run" in result.stderr
    assert meta(only_run(project))["status"] == "error"


def test_a_drop_reconnects_after_the_last_event(
    cli: Cli, project: Path, server: FakeOpenAI
) -> None:
    server.scenario.drop_after = 5
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 0, result.stderr
    assert (only_run(project) / "answer.md").read_text() == FULL_ANSWER
    (resumed,) = [r for r in server.calls("GET", "/v1/responses/") if r.query.get("stream")]
    assert resumed.query["starting_after"] == ["5"]


def test_stream_refused_falls_back_to_polling(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    server.scenario.refuse_stream = True
    server.scenario.poll_ticks = 3
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 0, result.stderr
    first, second = creates(server)
    assert first["stream"] is True and second["stream"] is False
    assert wire.errors(second, "CreateResponse") == []
    assert len(server.calls("GET", "/v1/responses/")) == 4
    run = only_run(project)
    assert (run / "answer.md").read_text() == FULL_ANSWER
    assert meta(run)["stream"] is False


def test_polled_run_survives_a_lost_server_and_resumes(
    cli: Cli, project: Path, server: FakeOpenAI
) -> None:
    server.scenario.refuse_stream = True
    server.scenario.poll_ticks = 1
    server.scenario.errors["retrieve"] = [(502, error_body("bad gateway", None))] * 5
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 6 and "runs resume" in result.stderr
    run = only_run(project)
    assert meta(run)["status"] == "disconnected" and meta(run)["response_id"]
    resumed = cli(["runs", "resume", "last"], cwd=project)
    assert resumed.exit_code == 0, resumed.stderr
    assert resumed.stdout == FULL_ANSWER and meta(run)["status"] == "completed"
    assert meta(run)["seconds"] >= 0


def test_incomplete_answer_is_reported(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    server.scenario.final = "incomplete"
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 0
    assert "incomplete (max_output_tokens)" in result.stderr
    assert f"{server.scenario.usage['reasoning_tokens']:,} reasoning tokens" in result.stderr
    info = meta(only_run(project))
    assert info["status"] == "incomplete" and info["incomplete_reason"] == "max_output_tokens"


def test_context_too_long_mid_stream(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    server.scenario.final = "failed"
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 6
    assert "too long for gpt-5.6-sol (context_length_exceeded, request req_" in result.stderr
    run = only_run(project)
    assert meta(run)["status"] == "failed"
    assert (run / "answer.md").read_text() == ANSWER[0]
    assert (run / "brief.md").is_file() and (run / "request.json").is_file()


ERRORS = {
    "401": ("create", 401, error_body("Incorrect API key", "invalid_api_key"), "key was rejected"),
    "403": ("create", 403, error_body("Project lacks access", None), "no access to gpt-5.6-sol"),
    "404": ("model", 404, error_body("no such model", "model_not_found"), "does not serve model"),
    "too long": (
        "create",
        400,
        error_body("Your input exceeds the context window", "context_length_exceeded"),
        "too long for gpt-5.6-sol",
    ),
    "effort": (
        "create",
        400,
        error_body("Unsupported value: 'high'", "unsupported_value", param="reasoning.effort"),
        "does not accept reasoning.effort",
    ),
    "429": ("create", 429, error_body("Slow down", "rate_limit_exceeded"), "rate limited"),
    "quota": (
        "model",
        429,
        error_body("You exceeded your quota", "insufficient_quota"),
        "out of quota",
    ),
    "500": ("create", 500, error_body("boom", None, kind="server_error"), "server error (500"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_api_errors_are_one_line_with_request_id(
    cli: Cli, project: Path, server: FakeOpenAI, case: str
) -> None:
    endpoint, status, body, message = ERRORS[case]
    server.scenario.errors[endpoint] = [(status, body)] * 5
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 6, result.stderr
    assert message in result.stderr and ", request req_" in result.stderr
    assert "Traceback" not in result.stderr
    # the checker's advice, the summary, then one error line and a hint
    lines = [ln for ln in result.stderr.splitlines() if not ln.startswith("warning: ")]
    assert lines[0].startswith("model ")
    assert result.stderr.count("error: ") == 1
    calls = [
        r
        for r in server.requests
        if r.path.split("/")[2] == {"create": "responses", "model": "models"}[endpoint]
    ]
    # Creates are never retried. A read is retried as the SDK decides: a 429 is, even for quota
    # (a read costs nothing), then reported as what it is; a 404 is not.
    assert len(calls) == (1 + Timing().retries if case == "quota" else 1)
    if endpoint == "create":
        run = only_run(project)
        assert meta(run)["status"] == "error" and (run / "request.json").is_file()
    else:
        assert creates(server) == []


def test_reads_are_retried_by_the_sdk_as_the_server_says(
    cli: Cli, project: Path, server: FakeOpenAI
) -> None:
    """Retrieves go through the SDK's retries, which honour `Retry-After` and `x-should-retry`;
    the create is sent once, whatever the server says."""
    server.scenario.refuse_stream = True  # the answer is polled: retrieve after retrieve
    server.scenario.errors["retrieve"] = [(429, error_body("Slow down", "rate_limit_exceeded"))]
    server.scenario.error_headers = {"retry-after": "1"}
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 0, result.stderr
    limited, retried = server.calls("GET", "/v1/responses/")[:2]
    assert retried.at - limited.at >= 0.9  # the pause the server asked for
    assert retried.headers["x-stainless-retry-count"] == "1"  # the SDK's own retry
    assert meta(only_run(project))["status"] == "completed"

    server.scenario.errors["retrieve"] = [(503, error_body("overloaded", None))] * 4
    server.scenario.error_headers = {"x-should-retry": "false"}
    told = cli(["send", "--yes"], cwd=project)
    assert told.exit_code == 6 and "could not pick it up again" in told.stderr
    assert len(server.scenario.errors["retrieve"]) == 3  # asked once, not retried

    server.scenario.errors["create"] = [(500, error_body("boom", None, kind="server_error"))] * 2
    server.scenario.error_headers = {"x-should-retry": "true", "retry-after-ms": "10"}
    before = len(creates(server))
    failed = cli(["send", "--yes"], cwd=project)
    assert failed.exit_code == 6 and "server error (500" in failed.stderr
    assert len(creates(server)) == before + 1  # a retried create would be billed twice


def test_missing_key_says_how_to_set_it(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    os.environ.pop("OPENAI_API_KEY")
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 6
    assert "OPENAI_API_KEY is not set" in result.stderr and "export OPENAI_API_KEY" in result.stderr
    assert server.requests == []


def test_timeout(
    cli: Cli, project: Path, server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFPACK_TIMEOUT", "0.3")
    server.scenario.delays["create"] = 1.0
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 6 and "timed out after 0.3s" in result.stderr
    assert len(creates(server)) == 1


def test_connection_refused(cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("BRIEFPACK_RETRY_DELAY", "0.01")
    url = f"http://127.0.0.1:{closed_port()}/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", url)
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 6 and f"cannot reach {url}" in result.stderr


def test_base_url_from_config(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    os.environ["OPENAI_BASE_URL"] = f"http://127.0.0.1:{closed_port()}/v1"
    (project / ".briefpack.toml").write_text(f'goal = "x"\nbase_url = "{server.base_url}"\n')
    assert cli(["send", "--yes"], cwd=project).exit_code == 0
    assert len(creates(server)) == 1


def test_retired_model_warns_with_successor_and_still_sends(
    cli: Cli, project: Path, server: FakeOpenAI
) -> None:
    result = cli(["send", "--yes", "-m", "o1"], cwd=project)
    assert result.exit_code == 0, result.stderr
    assert "shut o1 down on 2026-10-23" in result.stderr and "gpt-5.6-sol" in result.stderr
    assert creates(server)[0]["model"] == "o1"


def test_endpoint_shutdown_date_refuses(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    server.scenario.models = {"o3": "2026-01-01"}
    result = cli(["send", "--yes", "-m", "o3"], cwd=project)
    assert result.exit_code == 6 and "shut down on 2026-01-01" in result.stderr
    assert "--model gpt-5.6-sol" in result.stderr
    assert creates(server) == []
    server.scenario.models = {"o3": "2999-01-01"}
    assert cli(["send", "--yes", "-m", "o3"], cwd=project).exit_code == 0


def test_effort_outside_the_table_warns_then_the_server_decides(
    cli: Cli, project: Path, server: FakeOpenAI
) -> None:
    result = cli(["send", "--yes", "-m", "gpt-5-pro", "-e", "low"], cwd=project)
    assert result.exit_code == 0
    assert "accepts effort high, not 'low'" in result.stderr
    assert creates(server)[0]["reasoning"] == {"effort": "low"}


def test_chat_api(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    result = cli(["send", "--yes", "--api", "chat"], cwd=project)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == FULL_ANSWER
    (body,) = server.bodies("/v1/chat/completions")
    assert wire.errors(body, "CreateChatCompletionRequest") == []
    assert body["reasoning_effort"] == "high" and body["max_completion_tokens"] == 50000
    info = meta(only_run(project))
    assert info["usage"]["reasoning_tokens"] == server.scenario.usage["reasoning_tokens"]
    assert info["cost"] == pytest.approx(
        actual_cost(load_table().models["gpt-5.6-sol"], info["usage"])
    )
    resume = cli(["runs", "resume", "last"], cwd=project)
    assert resume.exit_code == 0 and "already completed" in resume.stderr


def test_chat_refuses_a_responses_only_model(cli: Cli, project: Path) -> None:
    result = cli(["send", "--dry-run", "--api", "chat", "-m", "gpt-5-pro"], cwd=project)
    assert result.exit_code == 2 and "Responses API only" in result.stderr


def test_brief_file_is_sent_as_is(
    cli: Cli, project: Path, server: FakeOpenAI, tmp_path: Path
) -> None:
    brief = tmp_path / "brief.md"
    brief.write_text("# Goal\nReturn JSON only.\n")
    result = cli(["send", "--yes", "--brief", str(brief), "--no-markdown"], cwd=project)
    assert result.exit_code == 0, result.stderr
    (body,) = creates(server)
    assert body["input"] == [{"role": "user", "content": "# Goal\nReturn JSON only.\n"}]
    assert "-brief" in only_run(project).name
    missing = cli(["send", "--yes", "--brief", str(tmp_path / "nope.md")], cwd=project)
    assert missing.exit_code == 1 and "cannot read" in missing.stderr


def test_brief_file_refuses_the_flags_that_build_a_brief(
    cli: Cli, project: Path, server: FakeOpenAI, tmp_path: Path
) -> None:
    brief = tmp_path / "brief.md"
    brief.write_text("# Goal\nx\n")
    base = ["send", "--dry-run", "--brief", str(brief)]
    result = cli([*base, "-g", "other goal", "-x", "app.py", "--diff", "--log", "0"], cwd=project)
    assert result.exit_code == 2 and result.stdout == ""
    assert "error: --brief FILE sends the file as it is: --goal, --exclude, --diff, --log" in (
        result.stderr
    )
    assert "drop --brief" in result.stderr
    for flag, named in [
        (["-f", "JSON"], "--format"),
        (["--task", "missing.md"], "--task"),  # refused before the task file is read
        (["--fit"], "--fit"),
        (["--no-default-excludes"], "--no-default-excludes"),
    ]:
        refused = cli([*base, *flag], cwd=project)
        assert refused.exit_code == 2, refused.stderr
        assert f"as it is: {named} would build a brief" in refused.stderr
    # What applies to a finished brief is taken.
    kept = cli([*base, "-m", "gpt-5.6-sol", "-e", "low", "--secrets", "block"], cwd=project)
    assert kept.exit_code == 0, kept.stderr
    assert json.loads(kept.stdout)["reasoning"] == {"effort": "low"}
    assert server.requests == []


def test_runs_list_show_cancel(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    server.scenario.drop_after = 6
    server.scenario.errors["retrieve"] = [(503, error_body("overloaded", None))] * 4
    assert cli(["send", "--yes"], cwd=project).exit_code == 6
    run = only_run(project)
    listing = cli(["runs"], cwd=project)
    assert (
        listing.exit_code == 0 and run.name in listing.stdout and "disconnected" in listing.stdout
    )
    assert json.loads(cli(["runs", "--json"], cwd=project).stdout)[0]["id"] == run.name
    shown = cli(["runs", "show", run.name[:8]], cwd=project)
    assert shown.exit_code == 0 and shown.stdout == ANSWER[0] + ANSWER[1]
    assert "not finished" in shown.stderr
    cancelled = cli(["runs", "cancel", "last"], cwd=project)
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.stderr
    assert server.calls("POST", f"/v1/responses/{meta(run)['response_id']}/cancel")
    assert meta(run)["status"] == "cancelled"
    assert cli(["runs", "show", "nope"], cwd=project).exit_code == 1


def test_sigint_mid_stream_keeps_what_arrived(project: Path, server: FakeOpenAI, cli: Cli) -> None:
    server.scenario.hang_after = 6
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefpack", "send", "--yes"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )
    runs = project / ".briefpack" / "runs"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        answers = list(runs.glob("*/answer.md")) if runs.exists() else []
        if answers and answers[0].read_text() == ANSWER[0] + ANSWER[1]:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 130, stderr
    run = only_run(project)
    assert b"runs resume " + run.name.encode() in stderr
    info = meta(run)
    assert info["status"] == "interrupted" and info["response_id"]
    assert (run / "answer.md").read_text() == ANSWER[0] + ANSWER[1]
    server.scenario.release.set()
    resumed = cli(["runs", "resume", run.name], cwd=project)
    assert resumed.exit_code == 0, resumed.stderr
    assert (run / "answer.md").read_text() == FULL_ANSWER


def test_over_budget_is_not_sent(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    result = cli(["send", "--yes", "--budget", "10"], cwd=project)
    assert result.exit_code == 3
    assert server.requests == []


def test_bad_timeout_setting(cli: Cli, project: Path, server: FakeOpenAI) -> None:
    os.environ["BRIEFPACK_TIMEOUT"] = "soon"
    result = cli(["send", "--yes"], cwd=project)
    assert result.exit_code == 1 and "BRIEFPACK_TIMEOUT must be a number" in result.stderr


def test_runs_of_another_folder(
    cli: Cli, project: Path, server: FakeOpenAI, tmp_path: Path
) -> None:
    assert cli(["send", "--yes"], cwd=project).exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert "no runs" in cli(["runs"], cwd=elsewhere).stderr
    listing = cli(["runs", "-C", str(project)], cwd=elsewhere)
    assert only_run(project).name in listing.stdout
    shown = cli(["runs", "-C", str(project), "show", "last"], cwd=elsewhere)
    assert shown.exit_code == 0 and shown.stdout == FULL_ANSWER


def test_an_unknown_model_is_sent_with_a_cost_warning(
    cli: Cli, project: Path, server: FakeOpenAI
) -> None:
    result = cli(["send", "--yes", "-m", "acme-reasoner-2"], cwd=project)
    assert result.exit_code == 0, result.stderr
    assert "unknown model 'acme-reasoner-2'" in result.stderr and "cost unknown" in result.stderr
    assert [r.body["model"] for r in server.requests if r.body] == ["acme-reasoner-2"]
    built = cli(["build", "--stdout", "-m", "acme-reasoner-2"], cwd=project)
    assert built.exit_code == 1 and "unknown model 'acme-reasoner-2'" in built.stderr

"""Progress: what the stages report as a build goes (tokens/progress.py), and the display the CLI
makes of it on a terminal (cli/progress.py), run for real under a pseudo-terminal; and its
silence where it must say nothing: not a terminal, NO_COLOR, TERM=dumb, the hook."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from briefpack.brief.pipeline import build
from briefpack.tokens.progress import Stage, in_runs
from tests.conftest import git, write_tree

GOAL = "speed up the parser"
FILES = 120  # source files in the generated repository
STAGES: tuple[Stage, ...] = (
    "discovering",
    "reading",
    "scanning for secrets",
    "rendering",
    "ranking",  # only if the brief does not fit whole (a snapshot's: before)
    "outlining",
    "counting tokens",  # surely over budget: only what the fit chose is counted
    "fitting",
)


def generated(root: Path, files: int = FILES, config: str = "") -> Path:
    """A git repository of `files` Python modules, each with a few functions, committed."""
    tree = {
        f"pkg{i % 6}/mod{i}.py": "".join(
            f"def parse_{i}_{j}(text):\n    return text.split({j!r})  # part {i}.{j}\n\n"
            for j in range(30)
        )
        for i in range(files)
    }
    write_tree(root, {**tree, "README.md": "# Parser\n", ".briefpack.toml": config})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


@dataclass
class Told:
    """One stage as a Progress heard it."""

    stage: Stage
    total: int | None
    done: int = 0
    tokens: int = 0


@dataclass
class Recorder:
    """A Progress that writes down what it is told (the counting threads tell it too)."""

    told: list[Told] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, stage: Stage, total: int | None = None) -> None:
        self.told.append(Told(stage, total))

    def advance(self, done: int = 0, tokens: int = 0) -> None:
        with self.lock:
            self.told[-1].done += done
            self.told[-1].tokens += tokens

    def stages(self) -> list[str]:
        return [t.stage for t in self.told]

    def of(self, stage: Stage) -> Told:
        return next(t for t in self.told if t.stage == stage)


def test_in_runs_yields_every_item_and_reports_after_each_run() -> None:
    recorder = Recorder()
    recorder.start("reading", 7)
    seen = []
    for item in in_runs(list(range(7)), recorder, run=3):
        seen.append((item, recorder.told[-1].done))
    assert seen == [(0, 0), (1, 0), (2, 0), (3, 3), (4, 3), (5, 3), (6, 6)]
    assert recorder.told[-1].done == 7


@pytest.mark.parametrize("cores", ["one", "forked"])
def test_a_build_reports_each_stage_and_every_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cores: str
) -> None:
    """Stages in order, each done to its total, and the tokens told are the brief's: cold and
    warm, counted here or (much text) profiled and scanned in forked workers."""
    if cores == "forked":
        from briefpack.secrets import guard
        from briefpack.tokens import parallel

        monkeypatch.setattr(parallel, "FORK_MIN_CHARS", 1)
        monkeypatch.setattr(parallel, "cores", lambda: 2)
        monkeypatch.setattr(guard, "PARALLEL_SCAN_CHARS", 0)
        monkeypatch.setattr(guard, "cores", lambda: 2)
    repo = generated(tmp_path / "repo")
    for run in ("cold", "warm"):
        recorder = Recorder()
        built = build(repo, {"goal": GOAL}, progress=recorder)
        fits = [*STAGES[:4], "counting tokens"]
        assert recorder.stages()[:5] == fits  # it fits: no ranking, no fitting, all counted
        assert all(t.done == t.total for t in recorder.told if t.total is not None)
        assert recorder.of("reading").total == FILES + 1  # the modules and the README
        assert recorder.of("counting tokens").tokens == built.total
        assert built.ranks  # ranked when asked (`ls`, `stats`): told so, or kept from cold
        if run == "cold":
            assert recorder.stages()[-1] == "ranking"
            assert recorder.of("ranking").total == FILES + 1
        else:
            assert "ranking" not in recorder.stages()


def test_a_fitted_build_reports_outlining_and_fitting(tmp_path: Path) -> None:
    repo = generated(tmp_path / "repo")
    recorder = Recorder()
    built = build(repo, {"goal": GOAL, "budget": 20_000}, progress=recorder)
    assert built.total <= 20_000
    assert recorder.stages()[:8] == list(STAGES)
    assert set(recorder.stages()[8:]) <= {
        "outlining",
        "counting tokens",
        "fitting",
    }  # a smaller tree
    assert recorder.of("outlining").done > 0  # outlines made, told in runs


def test_a_snapshot_reports_reading_what_is_staged(tmp_path: Path) -> None:
    from briefpack.snapshot.take import take_snapshot

    repo = generated(tmp_path / "repo")
    for _ in ("first", "from the memo"):
        recorder = Recorder()
        take_snapshot(repo, {}, check=False, progress=recorder)
        reading = recorder.of("reading")
        assert reading.total == reading.done == FILES + 1
        assert all(t.done == t.total for t in recorder.told if t.total is not None)


def test_a_fitted_snapshot_reports_files_left_unread(tmp_path: Path) -> None:
    """After a one-file change, the files the memo knows without their text (parts.Unread) are
    still read, scanned and ranked as far as progress is told: every stage reaches its total."""
    from briefpack.brief.parts import Unread
    from briefpack.snapshot.take import take_snapshot

    repo = generated(tmp_path / "repo", config="snapshot_budget = 20000\n")
    take_snapshot(repo, {}, check=False)
    with (repo / "pkg1/mod7.py").open("a") as f:
        f.write("CHANGED = 1\n")
    git(repo, "add", "pkg1/mod7.py")
    recorder = Recorder()
    outcome = take_snapshot(repo, {}, check=False, progress=recorder)
    unread = [p for p, (_, read) in outcome.built.reads.items() if isinstance(read, Unread)]
    assert len(unread) > FILES // 2  # most files are outlines or paths, left unread
    assert recorder.of("reading").done == FILES + 1
    assert recorder.of("scanning for secrets").done == recorder.of("scanning for secrets").total
    assert recorder.of("ranking").done == recorder.of("ranking").total == FILES + 1
    assert all(t.done == t.total for t in recorder.told if t.total is not None)


# On a terminal: the real CLI, its stderr on a pseudo-terminal, its stdout in a file.

ESCAPE = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")
HIDE, SHOW = b"\x1b[?25l", b"\x1b[?25h"  # what Rich's live display does to the cursor


@dataclass(frozen=True)
class Screen:
    """What a command did on a terminal: exit code, what the terminal got, what stdout got."""

    code: int
    raw: bytes
    stdout: bytes

    @property
    def text(self) -> str:
        """The terminal's bytes without escape sequences."""
        return ESCAPE.sub(b"", self.raw).decode("utf-8", "replace")

    def cleared(self) -> bool:
        """Whether the display was erased and the cursor shown again, with nothing of it
        drawn after: the last frame is followed by Rich's erase (up a line, clear it)."""
        at = self.raw.rfind(SHOW)
        after = Screen(self.code, self.raw[at:], b"")
        erased = self.raw[at:].startswith(SHOW + b"\r\x1b[1A\x1b[2K")
        return at >= 0 and erased and not any(after.shows(s) for s in STAGES)

    def shows(self, stage: str) -> bool:
        """Whether the display drew this stage (a display line: spinner, stage, bar)."""
        return re.search(rf"(^|\r|\n)\S* ?{re.escape(stage)} ", self.text) is not None


def terminal_env(**changes: str | None) -> dict[str, str]:
    """This environment (the test's own cache and config), as a plain terminal would have it,
    with `changes` (None: unset)."""
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env |= {"TERM": "xterm-256color", "BRIEFPACK_PROGRESS_DELAY": "0", "COLUMNS": "120"}
    env.pop("TTY_COMPATIBLE", None)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def on_terminal(
    args: list[str],
    cwd: Path,
    env: Mapping[str, str],
    *,
    interrupt_at: bytes | None = None,
) -> Screen:
    """Run `args` with stderr (and stdin) on a new pseudo-terminal and stdout in a file; with
    `interrupt_at`, press Ctrl-C (SIGINT to the process group) once the terminal shows it."""
    leader, follower = pty.openpty()
    out = cwd.parent / f"stdout-{time.monotonic_ns()}"
    with out.open("wb") as stdout:
        proc = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdin=follower,
            stdout=stdout,
            stderr=follower,
            start_new_session=True,
        )
    os.close(follower)
    raw = b""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the last holder of the terminal's other end has gone
            break
        if not chunk:
            break
        raw += chunk
        if interrupt_at is not None and interrupt_at in ESCAPE.sub(b"", raw):
            os.killpg(proc.pid, signal.SIGINT)
            interrupt_at = None
    os.close(leader)
    return Screen(proc.wait(timeout=60), raw, out.read_bytes())


def briefpack(*args: str) -> list[str]:
    return [sys.executable, "-m", "briefpack", *args]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return generated(tmp_path / "repo")


def test_a_build_on_a_terminal_shows_each_stage_then_clears_it(repo: Path) -> None:
    """Every stage is drawn, with files done out of the total and the tokens counted; then the
    display is erased and the cursor shown again before the summary; stdout holds the brief,
    byte for byte as without a terminal."""
    args = briefpack("build", "--stdout", "-g", GOAL, "--budget", "20000")
    screen = on_terminal(args, repo, terminal_env())
    assert screen.code == 0, screen.text
    assert [s for s in STAGES if screen.shows(s)] == list(STAGES)
    assert re.search(rf"reading .*{FILES + 1}/{FILES + 1} ", screen.text)
    assert re.search(r"counting tokens .*/[\d,]+ · [\d,]+ tokens · 0:0\d", screen.text)
    summary = screen.raw.index(b"total ")
    assert screen.raw.index(HIDE) < screen.raw.rindex(SHOW) < summary
    assert screen.cleared()
    piped = subprocess.run(args, cwd=repo, env=terminal_env(), capture_output=True, check=True)
    assert screen.stdout == piped.stdout and screen.stdout.startswith(b"# Goal\n")
    assert b"\x1b" not in screen.stdout


@pytest.mark.parametrize(
    "command",
    [["ls"], ["stats"], ["check"], ["secrets"], ["snapshot"], ["send", "--dry-run"]],
    ids=lambda c: " ".join(c),
)
def test_every_building_command_shows_progress(repo: Path, command: list[str]) -> None:
    screen = on_terminal(briefpack(*command), repo, terminal_env())
    assert screen.code == 0, screen.text
    assert screen.shows("reading") and screen.shows("counting tokens")
    if command[0] in ("ls", "stats"):  # they show ranks: ranked while the display is up
        assert screen.shows("ranking")
    assert screen.cleared()
    assert b"\x1b" not in screen.stdout


SLOW_SCHEMA = "schema_commands = [\"sleep 1.5; echo 'CREATE TABLE t (id int);'\"]\n"


def test_only_work_longer_than_half_a_second_shows(tmp_path: Path) -> None:
    """With the default delay a quick build draws nothing; a slow stage (a schema command that
    takes 1.5 s) is drawn once half a second has passed."""
    quick = generated(tmp_path / "quick", files=5)
    env = terminal_env(BRIEFPACK_PROGRESS_DELAY="3")  # the delay, far from a quick build's time
    screen = on_terminal(briefpack("build", "--stdout", "-g", GOAL), quick, env)
    assert screen.code == 0 and HIDE not in screen.raw and "reading" not in screen.text
    slow = generated(tmp_path / "slow", files=5, config=SLOW_SCHEMA)
    env = terminal_env(BRIEFPACK_PROGRESS_DELAY=None)
    screen = on_terminal(briefpack("build", "--stdout", "-g", GOAL), slow, env)
    assert screen.code == 0, screen.text
    assert screen.shows("running schema commands") and not screen.shows("reading")
    assert screen.cleared() and b"CREATE TABLE t" in screen.stdout


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"NO_COLOR": "1"}, False),
        ({"TERM": "dumb"}, False),
        ({"NO_COLOR": ""}, True),  # no-color.org: set to the empty string means not set
        ({}, True),
    ],
    ids=["NO_COLOR=1", "TERM=dumb", "NO_COLOR empty", "plain"],
)
def test_no_color_and_a_dumb_terminal_silence_it(
    repo: Path, changes: dict[str, str], shown: bool
) -> None:
    screen = on_terminal(briefpack("build", "--stdout", "-g", GOAL), repo, terminal_env(**changes))
    assert screen.code == 0, screen.text
    assert (HIDE in screen.raw) is shown
    assert any(screen.shows(s) for s in STAGES) is shown
    assert "total " in screen.text  # the summary is there all the same


def test_stderr_not_a_terminal_is_silent(repo: Path) -> None:
    args = briefpack("build", "--stdout", "-g", GOAL)
    done = subprocess.run(args, cwd=repo, env=terminal_env(), capture_output=True, check=True)
    assert b"\x1b" not in done.stderr and b"reading" not in done.stderr
    assert done.stderr.decode().startswith("warning: ")


def test_the_hook_is_silent_on_a_terminal(repo: Path) -> None:
    """At a commit (git running the hook, its stderr on the terminal) and run by hand, the hook
    says what it did and nothing more; `snapshot` from the command line shows progress."""
    env = terminal_env()
    installed = on_terminal(briefpack("hook", "install"), repo, env)  # the first snapshot: shown
    assert installed.code == 0 and installed.shows("reading") and installed.cleared()
    assert "first snapshot: " in installed.text
    write_tree(repo, {"pkg0/new.py": "def parse_new(text):\n    return text\n"})
    git(repo, "add", "-A")
    commit = on_terminal(["git", "commit", "-q", "-m", "new"], repo, env)
    by_hand = on_terminal(briefpack("snapshot", "--hook"), repo, env)
    for screen in (commit, by_hand):
        assert screen.code == 0, screen.text
        assert re.search(r"snapshot (updated|unchanged): ", screen.text)
        assert HIDE not in screen.raw and not any(screen.shows(s) for s in STAGES)
    assert "snapshot updated" in commit.text
    cli = on_terminal(briefpack("snapshot"), repo, env)
    assert cli.code == 0 and cli.shows("reading") and cli.cleared()


def test_ctrl_c_clears_the_display(tmp_path: Path) -> None:
    repo = generated(tmp_path / "repo", files=5, config=SLOW_SCHEMA.replace("1.5", "30"))
    screen = on_terminal(
        briefpack("build", "--stdout", "-g", GOAL),
        repo,
        terminal_env(),
        interrupt_at=b"running schema commands",
    )
    assert screen.code == 130, screen.text
    assert screen.cleared()
    assert screen.raw.rindex(SHOW) < screen.raw.index(b"error: interrupted")
    assert screen.stdout == b""


def test_an_error_clears_the_display_before_it_is_told(repo: Path) -> None:
    args = briefpack("build", "--stdout", "-g", GOAL, "--no-fit", "--budget", "1000")
    screen = on_terminal(args, repo, terminal_env())
    assert screen.code == 3, screen.text
    assert screen.shows("counting tokens") and screen.cleared()
    assert screen.raw.rindex(SHOW) < screen.raw.index(b"error: the brief is")


def test_a_warm_fitted_build_reports_every_stage_to_its_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the work tree's memo, most files are taken without reading (from the last brief,
    or unread): reading, scanning, ranking and counting still reach their totals."""
    from briefpack.brief import stamps
    from briefpack.brief.parts import Unread

    monkeypatch.setattr(stamps, "RACY_NS", 0)  # the files were just written: trust them
    repo = generated(tmp_path / "repo")
    build(repo, {"goal": GOAL, "budget": 20_000})
    recorder = Recorder()
    built = build(repo, {"goal": GOAL, "budget": 20_000}, progress=recorder)
    assert any(isinstance(r, Unread) for _, r in built.reads.values())
    assert recorder.of("reading").done == recorder.of("reading").total == FILES + 1
    assert all(t.done == t.total for t in recorder.told if t.total is not None)


def test_a_snapshot_that_fits_whole_keeps_its_ranking(tmp_path: Path) -> None:
    """A snapshot ranks first (its manifest shows ranks); unchanged, the next takes the
    ranking from the fit cache instead of making it again."""
    from briefpack.snapshot.take import take_snapshot

    repo = generated(tmp_path / "repo")
    first = Recorder()
    take_snapshot(repo, {}, check=False, progress=first)
    assert "ranking" in first.stages()
    again = Recorder()
    take_snapshot(repo, {}, check=False, progress=again)
    assert "ranking" not in again.stages()

"""Progress: what the stages report as a build goes (tokens/progress.py)."""

from __future__ import annotations

import threading
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
    "counting tokens",
    "ranking",
    "outlining",
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
    for _ in ("cold", "warm"):
        recorder = Recorder()
        built = build(repo, {"goal": GOAL}, progress=recorder)
        assert recorder.stages() == list(STAGES[:6])  # it fits: no outlining, no fitting
        assert all(t.done == t.total for t in recorder.told if t.total is not None)
        assert recorder.of("reading").total == FILES + 1  # the modules and the README
        assert recorder.of("ranking").total == FILES + 1
        assert recorder.of("counting tokens").tokens == built.total


def test_a_fitted_build_reports_outlining_and_fitting(tmp_path: Path) -> None:
    repo = generated(tmp_path / "repo")
    recorder = Recorder()
    built = build(repo, {"goal": GOAL, "budget": 20_000}, progress=recorder)
    assert built.total <= 20_000
    assert recorder.stages()[:8] == list(STAGES)
    assert set(recorder.stages()[8:]) <= {"outlining", "fitting"}  # a smaller tree, again
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

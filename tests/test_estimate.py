"""Estimates: a fitted build plans on them and counts only what it emits (issue 18); a brief
that may fit whole is counted in full; the outline pass stops making outlines that cannot fit."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefpack.brief import stamps
from briefpack.brief.parts import Unread
from briefpack.brief.pipeline import build
from briefpack.select.ladder import OUTLINE_MISSES, plan
from briefpack.tokens.encodings import load_encoding
from briefpack.tokens.estimate import HIGH, LOW, estimate, surely_over
from tests.conftest import git, write_tree

GOAL = "Fix parse_7 so that it splits on commas"


def modules(root: Path, files: int) -> Path:
    tree = {
        f"pkg{i % 4}/mod{i}.py": "".join(
            f'def parse_{i}_{j}(text):\n    """Split part {j}."""\n    return text.split({j!r})\n\n'
            for j in range(30)
        )
        for i in range(files)
    }
    write_tree(root, {**tree, "README.md": "# Parser\n"})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def test_an_estimate_is_near_the_count_and_grows_with_the_text() -> None:
    encoding = load_encoding("o200k_base")
    text = (Path(__file__).parents[1] / "src/briefpack/brief/fit.py").read_text()
    counted = len(encoding.encode_ordinary(text))
    assert LOW * estimate("fit.py", text) < counted < HIGH * estimate("fit.py", text)
    assert estimate("a.py", text + text) > estimate("a.py", text)
    assert estimate("a.py", "") > 0  # its heading and fence


@given(
    st.text(max_size=400),
    st.text(max_size=400),
    st.sampled_from(["a.py", "b/c.ts", "d.po", "Makefile", "e.JSON"]),
)
def test_more_text_is_never_estimated_lower(text: str, more: str, path: str) -> None:
    assert estimate(path, text + more) >= estimate(path, text) >= 1


def test_surely_over_only_when_even_the_low_share_is_over() -> None:
    assert surely_over(10_000, 5_000)
    assert not surely_over(10_000, 6_000)  # 0.6 of it might fit: count to know
    assert not surely_over(0, 0)


def test_a_fitted_build_counts_only_what_it_emits(tmp_path: Path) -> None:
    """Cold, 200 modules in a budget that holds a few: the files left as outlines or paths are
    never encoded, and the total is still the exact count of the brief."""
    repo = modules(tmp_path / "repo", 200)
    built = build(repo, {"goal": GOAL, "budget": 12_000})
    carried = sum(level != "path" for level in built.levels.values())
    assert 0 < carried < 40 and built.encoded_files <= carried
    text = "".join(s.text for s in built.segments)
    assert built.total == len(load_encoding("o200k_base").encode_ordinary(text)) <= 12_000
    assert built.total > 0.9 * 12_000  # the plan grew into what its estimates left over


def test_a_brief_that_may_fit_whole_is_counted_in_full(tmp_path: Path) -> None:
    """Its estimate is over the budget, but not surely: every file is counted, and it fits."""
    repo = modules(tmp_path / "repo", 6)
    every = build(repo, {"goal": GOAL})
    budget = every.total + 10
    assert not surely_over(sum(every.full.values()), budget)
    built = build(repo, {"goal": GOAL, "budget": budget, "cache": False})
    assert set(built.levels.values()) == {"full"} and built.total == every.total


def test_the_same_brief_from_caches_as_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Estimates are the text's: a build whose memo leaves files unread (with the estimate
    their text gave) plans as one with no cache at all, after an edit too."""
    monkeypatch.setattr(stamps, "RACY_NS", 0)  # files just written are trusted by their stat
    repo = modules(tmp_path / "repo", 120)
    overrides = {"goal": GOAL, "budget": 9_000}
    build(repo, overrides)
    (repo / "pkg3/mod7.py").write_text("def parse_7(text):\n    return text.split(',')\n")
    warm = build(repo, overrides)
    assert any(isinstance(read, Unread) for _, read in warm.reads.values())
    cold = build(repo, {**overrides, "cache": False})
    assert [s.text for s in warm.segments] == [s.text for s in cold.segments]


def test_the_outline_pass_stops_after_a_run_of_outlines_that_cannot_fit() -> None:
    order = [f"m{i}.py" for i in range(1_000)]
    asked: list[str] = []

    def cost(path: str) -> int:
        asked.append(path)
        return 50 if path == "m0.py" else 400

    made = plan(order, dict.fromkeys(order, 1_000), cost, 300, scores=dict.fromkeys(order, 1.0))
    assert made.levels["m0.py"] == "outline"
    assert len(asked) == 1 + OUTLINE_MISSES  # not the 1,000 files

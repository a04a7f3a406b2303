"""Relevance: does the brief carry the files a real commit changed? (issue 16)

Cases come from real histories (bench/relevance_cases.py): the parent commit is the repository,
the message the goal, the modified source files the gold set. For each case and budget, each
selector fills the budget and we report, over the cases:
- recall: the share of gold files whose whole text is in the brief;
- all: the share of cases with every gold file in full text;
- seen: the share of gold files in full text or outline.

Selectors:
- briefpack: the real pipeline (`build -g GOAL --budget B`), ranking and ladder, exact totals;
- bm25: bm25s (the library) over each file's path and text, whole files in its order;
- aider: aider's repo map (`RepoMap.get_ranked_tags`, the goal's words as mentioned
  identifiers), whole files in its order;
- size: the fit before ranking (files left out largest first), whole files.
Baselines fill the budget with file text alone (no tree, no headings): generous to them.

Tuning repositories and reported ones are kept apart: `--set tune` or `--set report`.

Run (in a venv with bm25s and aider-chat installed beside briefpack, see bench/README.md):
  python bench/relevance.py --set report [--cases 40] [--budgets 32000,128000,512000]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# A script here named like a standard module would shadow it (bench/secrets.py did, and numpy
# imports `secrets`; it is secrets_speed.py now): take this folder off the path, and load the two
# helper modules by file.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


mine = _load("relevance_cases").mine

TUNE = ("wagtail", "vite", "sphinx", "sqlalchemy", "sympy", "eslint")
REPORT = ("typeorm", "prettier", "mypy", "ansible")
BUDGETS = (32_000, 128_000, 512_000)


@dataclass(frozen=True)
class Candidate:
    path: str
    tokens: int


@dataclass
class Tally:
    recall: list[float] = field(default_factory=list)
    every: list[float] = field(default_factory=list)
    seen: list[float] = field(default_factory=list)

    def add(self, gold: Sequence[str], full: set[str], outline: set[str]) -> None:
        hits = sum(g in full for g in gold)
        self.recall.append(hits / len(gold))
        self.every.append(float(hits == len(gold)))
        self.seen.append(sum(g in full or g in outline for g in gold) / len(gold))

    def row(self) -> str:
        m = statistics.fmean
        return f"{m(self.recall):.2f} / {m(self.every):.2f} / {m(self.seen):.2f}"


def fill(order: Sequence[str], tokens: dict[str, int], budget: int) -> set[str]:
    """Whole files in `order` while they fit (a file too large is passed over)."""
    chosen, used = set(), 0
    for path in order:
        if used + tokens[path] <= budget:
            chosen.add(path)
            used += tokens[path]
    return chosen


def checkout(worktree: Path, commit: str) -> None:
    subprocess.run(
        ["git", "-C", str(worktree), "checkout", "-q", "--detach", "-f", commit], check=True
    )
    subprocess.run(
        ["git", "-C", str(worktree), "clean", "-qfdx", "-e", ".aider.tags.cache.*"], check=True
    )


def worktree_for(corpus: Path, scratch: Path) -> Path:
    tree = scratch / corpus.name
    if not tree.exists():
        scratch.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--no-checkout", str(corpus), str(tree)], check=True)
    return tree


def candidates(tree: Path) -> tuple[list[Candidate], dict[str, str]]:
    """The files a goal-less, unfitted brief would carry, with their exact tokens and texts."""
    from briefpack.brief.pipeline import build

    built = build(tree, {"budget": 10**9, "fit": False, "secrets": "allow"})
    texts = {d.path: d.text for d in built.brief.files}
    found = [Candidate(p, n) for s, p, n in built.file_tokens() if s == "files" and p in texts]
    return found, texts


def briefpack_levels(tree: Path, goal: str, budget: int) -> tuple[set[str], set[str]]:
    from briefpack.brief.pipeline import build

    built = build(tree, {"goal": goal, "budget": budget, "secrets": "allow"})
    levels = built.levels
    return (
        {p for p, lv in levels.items() if lv == "full"},
        {p for p, lv in levels.items() if lv == "outline"},
    )


def bm25_order(texts: dict[str, str], goal: str) -> list[str]:
    import bm25s

    paths = list(texts)
    corpus = [p.replace("/", " ") + "\n" + texts[p] for p in paths]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False
    )
    docs, _ = retriever.retrieve(
        bm25s.tokenize([goal], stopwords="en", show_progress=False),
        k=len(paths),
        show_progress=False,
    )
    return [paths[i] for i in docs[0]]


def aider_order(tree: Path, paths: Sequence[str], goal: str) -> list[str]:
    ranked = _load("aider_adapter").ranked_files(tree, paths, goal)
    rest = [p for p in paths if p not in set(ranked)]
    return [*ranked, *rest]


def size_order(found: Sequence[Candidate]) -> list[str]:
    return [c.path for c in sorted(found, key=lambda c: (c.tokens, c.path))]


def order_for(
    selector: str, tree: Path, texts: dict[str, str], goal: str, found: Sequence[Candidate]
) -> list[str]:
    """A baseline's order of the files, best first."""
    if selector == "bm25":
        return bm25_order(texts, goal)
    if selector == "aider":
        return aider_order(tree, list(texts), goal)
    return size_order(found)


def run(
    repos: Sequence[str],
    per_repo: int,
    budgets: Sequence[int],
    corpora: Path,
    selectors: Sequence[str],
    scratch: Path,
) -> dict[str, dict[int, Tally]]:
    tallies = {s: {b: Tally() for b in budgets} for s in selectors}
    for name in repos:
        corpus = corpora / name
        cases = mine(corpus, per_repo)
        tree = worktree_for(corpus, scratch)
        started = time.perf_counter()
        for case in cases:
            checkout(tree, case.parent)
            found, texts = candidates(tree)
            gold = [g for g in case.gold if g in texts] or list(case.gold)
            tokens = {c.path: c.tokens for c in found}
            for selector in selectors:
                if selector == "briefpack":
                    for b in budgets:
                        full, outline = briefpack_levels(tree, case.goal, b)
                        tallies[selector][b].add(gold, full, outline)
                    continue
                order = order_for(selector, tree, texts, case.goal, found)
                for b in budgets:
                    tallies[selector][b].add(gold, fill(order, tokens, b), set())
        took = time.perf_counter() - started
        print(f"{name}: {len(cases)} cases, {len(texts)} files, {took:.0f} s", file=sys.stderr)
    return tallies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("tune", "report"), default="tune")
    parser.add_argument("--repos", help="comma-separated corpus names (overrides --set)")
    parser.add_argument("--cases", type=int, default=40, help="cases per repository")
    parser.add_argument("--budgets", default=",".join(map(str, BUDGETS)))
    parser.add_argument("--corpora", type=Path, default=Path("/work/corpora"))
    parser.add_argument("--selectors", default="briefpack,bm25,aider,size")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--scratch", type=Path, help="where the work trees go (default: <corpora>/relevance-trees)"
    )
    args = parser.parse_args()
    repos = args.repos.split(",") if args.repos else (TUNE if args.set == "tune" else REPORT)
    budgets = [int(b) for b in args.budgets.split(",")]
    selectors = args.selectors.split(",")
    scratch = args.scratch or args.corpora / "relevance-trees"
    tallies = run(repos, args.cases, budgets, args.corpora, selectors, scratch)
    if args.json:
        print(json.dumps({s: {b: t.__dict__ for b, t in by.items()} for s, by in tallies.items()}))
        return
    cases = len(next(iter(next(iter(tallies.values())).values())).recall)
    print(
        f"{', '.join(repos)}: {cases} cases. Each cell: recall / all gold in full / in full or outline"
    )
    print("| selector | " + " | ".join(f"{b // 1000}k" for b in budgets) + " |")
    print("|---|" + "---|" * len(budgets))
    for s, by in tallies.items():
        print(f"| {s} | " + " | ".join(by[b].row() for b in budgets) + " |")


if __name__ == "__main__":
    main()

"""The ladder end to end: ranks and levels in ls/stats, ls --why, the collapsed tree, a large
repository in a small budget, and files without an outline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from briefpack.brief.render import tree
from briefpack.tokens.encodings import load_encoding
from tests.conftest import git, write_tree

CLI = Callable[..., Result]


def module(name: str, n: int) -> str:
    body = "".join(
        f"    value_{i} = compute_{name}_{i}(value_{i - 1 if i else 0})\n" for i in range(n)
    )
    return f'"""The {name} module."""\n\nimport os\n\n\ndef run_{name}(value_0):\n{body}    return value_0\n'


@pytest.fixture
def shop(git_repo: Path) -> Path:
    files = {f"shop/{name}.py": module(name, 120) for name in ("cart", "checkout", "refund")}
    files |= {
        f"locale/{lang}/LC_MESSAGES/django.po": 'msgid "x"\nmsgstr "y"\n' * 300
        for lang in ("de", "fr", "it", "nl")
    }
    files |= {"broken.py": "def oops(:\n" + "x = 1\n" * 400, "README.md": "# Shop\n"}
    write_tree(git_repo, files)
    git(git_repo, "add", "-A")
    return git_repo


def tokens_of(text: str) -> int:
    return len(load_encoding("o200k_base").encode_ordinary(text))


def test_levels_and_ranks_in_ls_and_stats(cli: CLI, shop: Path) -> None:
    args = ["-g", "Refunds must round the refund total", "--budget", "3000"]
    rows = json.loads(cli(["ls", "--json", *args], cwd=shop).stdout)
    by = {r["path"]: r for r in rows}
    assert by["shop/refund.py"]["level"] == "full" and by["shop/refund.py"]["rank"] == 1
    assert {r["level"] for r in rows} == {"full", "outline", "path"}
    assert all(r["tokens"] == 0 for r in rows if r["level"] == "path")
    assert sorted(r["rank"] for r in rows) == list(range(1, len(by) + 1))
    out = cli(["build", "--stdout", *args], cwd=shop)
    stats = json.loads(cli(["stats", "--json", *args], cwd=shop).stdout)
    assert stats["total"] == tokens_of(out.stdout) <= 3000
    assert stats["levels"] == {
        lv: sum(r["level"] == lv for r in rows) for lv in ("full", "outline", "path")
    }


def test_outlines_and_the_collapsed_tree_in_the_brief(cli: CLI, shop: Path) -> None:
    result = cli(["build", "--stdout", "-g", "Refund rounding", "--budget", "3000"], cwd=shop)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "## Outlines" in out and "def run_cart(value_0):" in out
    assert "locale/ (4 files," in out and "django.po" not in out
    assert "broken.py: no outline: Python cannot parse it" in result.stderr
    assert "fitted by the ladder" in result.stderr


def test_ls_why_gives_rank_level_and_signals(cli: CLI, shop: Path) -> None:
    args = ["-g", "Refunds must round the refund total", "--budget", "3000"]
    why = cli(["ls", "--why", "shop/refund.py", *args], cwd=shop)
    assert why.stdout.startswith("shop/refund.py: full text, rank 1 (")
    assert "named (file stem)" in why.stdout and "path " in why.stdout
    data = json.loads(
        cli(["ls", "--json", "--why", "locale/de/LC_MESSAGES/django.po", *args], cwd=shop).stdout
    )
    assert data["level"] == "path" and data["tokens"] == 0
    assert any("translation" in s for s in data["signals"])


def test_a_large_repository_fits_a_32k_budget(cli: CLI, git_repo: Path) -> None:
    files = {f"app/part{i // 100}/mod_{i}.py": module(f"m{i}", 3) for i in range(5000)}
    files["app/billing/invoice.py"] = module("invoice_total", 40)
    write_tree(git_repo, files)
    git(git_repo, "add", "-A")
    args = ["-g", "Fix the invoice total", "--budget", "32000"]
    result = cli(["build", "--stdout", *args], cwd=git_repo)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert tokens_of(out) <= 32000
    assert "### app/billing/invoice.py" in out  # the top file, in full
    assert "## Outlines" in out
    drawn = out.split("## Directory tree")[1].split("## Outlines")[0]
    assert "more folders, " in drawn and "more files (" in drawn  # collapsed to fit


def test_the_tree_collapses_what_is_path_only() -> None:
    drawn = tree(
        ["a/b.py", "z.md"],
        {"a/c/d.py": 5, "locale/de/x.po": 90_000, "locale/fr/x.po": 2_000_000}
        | {f"a/f{i:02}.py": 10 for i in range(14)},
    )
    assert drawn == (
        ".\n├── a/\n│   ├── c/d.py\n│   ├── b.py\n"
        + "".join(f"│   ├── f{i:02}.py\n" for i in range(12))
        + "│   └── … 2 more files (~20 tokens)\n"
        "├── locale/ (2 files, ~2.1 M tokens)\n└── z.md\n"
    )


def test_a_tree_at_lower_detail_counts_what_it_does_not_list() -> None:
    path_only = {f"a/f{i}.py": 10 for i in range(5)} | {f"z{i}/x.po": 100 for i in range(20)}
    assert tree(["a/b.py"], path_only, detail=0) == (
        ".\n├── a/\n│   ├── b.py\n│   └── … 5 more files (~50 tokens)\n"
        "└── … 20 more folders, 20 more files (~2 k tokens)\n"
    )
    one = tree(["a/b.py"], path_only, detail=1)
    assert "│   ├── f2.py\n│   └── … 2 more files (~20 tokens)\n" in one
    assert "├── z11/x.po\n" in one and "… 8 more folders, 8 more files" in one


def test_the_tree_counts_files_by_their_own_names_not_as_shown() -> None:
    """A control character is shown escaped, as a name that spells the escape is shown: two
    files, both counted (a tree keyed by what it shows counted one)."""
    drawn = tree(["e.py"], {"d/x\x01": 10, "d/x\\x01": 15})
    assert drawn == ".\n├── d/ (2 files, ~25 tokens)\n└── e.py\n"
    listed = tree(["d/x\x01", "d/x\\x01"])
    assert listed == ".\n└── d/\n    ├── x\\x01\n    └── x\\x01\n"


def test_notes_and_schema_step_down_when_they_alone_overflow(cli: CLI, git_repo: Path) -> None:
    notes = "".join(
        f"## Topic {i}\n\n" + "A long paragraph about freight. " * 40 + "\n" for i in range(30)
    )
    write_tree(
        git_repo,
        {
            ".briefpack.toml": 'notes = ["notes/**"]\nschema = ["db/*.sql"]\n',
            "notes/guide.md": notes,
            "db/schema.sql": "CREATE TABLE loads (id INTEGER);\n" * 400,
            "app.py": "def run():\n    return 1\n",
        },
    )
    git(git_repo, "add", "-A")
    args = ["-g", "Fix the run", "--budget", "3000"]
    result = cli(["build", "--stdout", *args], cwd=git_repo)
    assert result.exit_code == 0, result.stderr
    assert tokens_of(result.stdout) <= 3000
    assert "the notes and schema alone are over the budget" in result.stderr
    rows = {
        r["path"]: r["level"] for r in json.loads(cli(["ls", "--json", *args], cwd=git_repo).stdout)
    }
    assert rows["notes/guide.md"] == "outline" and rows["db/schema.sql"] == "path"
    assert "## Topic 29" in result.stdout and "A long paragraph" not in result.stdout
    tiny = cli(["build", "--stdout", "-g", "Fix the run", "--budget", "200"], cwd=git_repo)
    assert tiny.exit_code == 0, tiny.stderr
    assert "## Topic" not in tiny.stdout  # by path only: counted in the tree
    assert "2 more files" in tiny.stdout


def test_a_remembered_fit_gives_the_same_brief_and_survives_corruption(
    cli: CLI, shop: Path
) -> None:
    from briefpack.tokens.store import cache_dir

    args = ["build", "--stdout", "-g", "Refund rounding", "--budget", "3000"]
    cold = cli(args, cwd=shop).stdout
    fits = list((cache_dir() / "fits").glob("*/*.marshal"))
    assert len(fits) == 1
    assert cli(args, cwd=shop).stdout == cold  # remembered: the same levels, the same text
    before = fits[0].parent.with_suffix(".marshal")  # where all fits were kept in one file
    before.write_bytes(b"old")
    other = cli(["build", "--stdout", "-g", "Cart checkout", "--budget", "3000"], cwd=shop).stdout
    assert other != cold  # another goal is another fit
    assert not before.exists()  # gone once a fit is kept the new way
    fits[0].write_bytes(b"\x00not marshal")
    assert cli(args, cwd=shop).stdout == cold
    assert cli([*args, "--no-cache"], cwd=shop).stdout == cold


def test_a_tree_too_large_for_the_budget_is_drawn_smaller_before_giving_up(
    cli: CLI, git_repo: Path
) -> None:
    write_tree(
        git_repo,
        {
            f"pkg{i}/module_{i}.py": f"def function_number_{i}():\n    return {i}\n"
            for i in range(300)
        },
    )
    git(git_repo, "add", "-A")
    result = cli(
        ["build", "--stdout", "-g", "fix function_number_5", "--budget", "3000"], cwd=git_repo
    )
    assert result.exit_code == 0, result.stderr
    assert tokens_of(result.stdout) <= 3000 and "def function_number_5" in result.stdout


def test_the_diff_ranks_its_files_first_from_a_subfolder(cli: CLI, git_repo: Path) -> None:
    write_tree(git_repo, {f"sub/m{i}.py": f"VALUE_{i} = {i}\n" for i in range(20)})
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "first")
    (git_repo / "sub/m7.py").write_text("VALUE_7 = 70\n")
    why = cli(["ls", "--why", "m7.py", "--diff", "-g", "g"], cwd=git_repo / "sub")
    assert "rank 1" in why.stdout and "changed" in why.stdout


def test_a_file_changed_with_the_goals_file_in_history_ranks_by_it(
    cli: CLI, git_repo: Path
) -> None:
    """The ranking reads the repository's history: files committed together with the best
    match, in commits of their own, rank right after it."""
    write_tree(
        git_repo,
        {f"pkg/m{i}.py": f"def helper_{i}(x):\n    return x + {i}\n" for i in range(6)}
        | {"shop/refund.py": "def refund_total(order):\n    return order.total\n"},
    )
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "start")
    for n in range(2):
        write_tree(
            git_repo,
            {"shop/refund.py": f"def refund_total(order):\n    return order.total - {n}\n"}
            | {"web/receipt.html": f"<p>{{{{ amount }}}} {n}</p>\n"},
        )
        git(git_repo, "add", "-A")
        git(git_repo, "commit", "-qm", f"change {n}")
    args = ["-g", "Refunds must round the refund total"]
    why = cli(["ls", "--why", "web/receipt.html", "--json", *args], cwd=git_repo)
    answer = json.loads(why.stdout)
    assert answer["rank"] == 2, answer
    assert "changed with shop/refund.py (2 of its 3 commits)" in answer["signals"]


def test_history_is_read_from_the_top_and_given_relative_to_the_folder(git_repo: Path) -> None:
    from briefpack.brief.ranking import commit_history
    from briefpack.select.past import Commit

    git(git_repo, "config", "log.showSignature", "true")  # no gpg for 1,000 commits a build
    write_tree(git_repo, {"svc/a.py": "a = 1\n", "svc/b.py": "b = 1\n", "web/c.js": "c\n"})
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "one")
    write_tree(git_repo, {f"web/x{i}.js": "x\n" for i in range(40)} | {"svc/a.py": "a = 2\n"})
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "a sweep of 41 files, one of them in svc")
    assert commit_history(git_repo / "svc") == (
        Commit(frozenset({"a.py"}), "a sweep of 41 files, one of them in svc"),
        Commit(frozenset({"a.py", "b.py"}), "one"),
    )
    assert commit_history(git_repo / "svc", sweeps=False) == (
        Commit(frozenset({"a.py", "b.py"}), "one"),
    )


def test_a_goal_free_ranking_is_kept_while_its_inputs_are_the_same(cli: CLI, shop: Path) -> None:
    """Without a goal, the ranking is the last build's while the paths and their centrality
    are: an edit that keeps every name reuses it, one that adds a name ranks again, and a
    corrupt kept ranking is made again, the same."""
    from briefpack.tokens.store import cache_dir

    def ranks() -> dict[str, int]:
        rows = json.loads(cli(["ls", "--json", "--budget", "3000"], cwd=shop).stdout)
        return {r["path"]: r["rank"] for r in rows}

    first = ranks()
    kept = sorted(cache_dir().glob("fits/*/ranks-*.marshal"))
    assert len(kept) == 1
    made = kept[0].stat().st_ino  # a ranking made again is written again (a new file)
    with (shop / "shop/cart.py").open("a") as f:
        f.write("\n# a comment names nothing\n")
    assert ranks() == first
    assert sorted(cache_dir().glob("fits/*/ranks-*.marshal")) == kept
    assert kept[0].stat().st_ino == made  # taken as kept, not made again
    kept[0].write_bytes(b"not marshal")
    with (shop / "shop/cart.py").open("a") as f:  # (the same texts again: the fit is kept)
        f.write("# another comment\n")
    assert ranks() == first
    assert kept[0].read_bytes() != b"not marshal"  # made again, and kept again
    with (shop / "shop/cart.py").open("a") as f:
        f.write("\ndef run_checkout_refund_cart(x):\n    return run_refund(x)\n")
    ranks()
    assert len(list(cache_dir().glob("fits/*/ranks-*.marshal"))) == 2


class Stages:
    """A progress display that only notes which stages started (the pipeline's Progress)."""

    def __init__(self) -> None:
        self.started: list[str] = []

    def start(self, stage: str, total: int | None = None) -> None:
        self.started.append(stage)

    def advance(self, done: int = 0, tokens: int = 0) -> None:
        pass


def test_a_brief_that_fits_whole_is_ranked_only_when_its_ranks_are_asked_for(
    shop: Path,
) -> None:
    """Nothing is stepped down, so no ranking is needed to build it; `ls` and `stats` (which
    show ranks) still get the same ranks a fitted build would use."""
    from briefpack.brief.pipeline import build

    stages = Stages()
    whole = build(shop, {"budget": 10**9, "goal": "Fix checkout totals"}, progress=stages)
    assert set(whole.levels.values()) == {"full"}
    assert "ranking" not in stages.started
    assert whole.ranks["shop/checkout.py"].rank == 1
    assert stages.started[-1] == "ranking"
    again = build(shop, {"budget": 10**9, "goal": "Fix checkout totals", "cache": False})
    assert {p: r.rank for p, r in again.ranks.items()} == {
        p: r.rank for p, r in whole.ranks.items()
    }
    tight = build(shop, {"budget": 3000, "goal": "Fix checkout totals"}, progress=stages)
    assert "outline" in tight.levels.values() or "path" in tight.levels.values()
    assert tight.ranks["shop/checkout.py"].rank == 1


def test_a_fit_is_keyed_by_the_code_that_renders_and_counts_each_file() -> None:
    """The fit's key takes each code file by its text's digest, not its rendered segment: the
    code that turns a text into a segment (and so into a count) keys it instead, so a new
    version that renders files otherwise never takes an old fit (found in review)."""
    from briefpack.brief import fitcache

    shaping = {"briefpack.brief.render", "briefpack.brief.langs", "briefpack.brief.parts"}
    assert shaping <= set(fitcache._CODE)


def test_a_fit_is_keyed_by_every_module_that_ranks_plans_or_renders() -> None:
    """Every module `choose` draws on, near or far, in the brief and select stages (and the
    estimates the plan goes by) keys the fit cache: a new version of any takes no old fit.
    Aside: the config (its values are in the key), the cache itself, and `guard` (whether
    texts are kept). Found in review: a new module the fit used was missing."""
    import ast

    from briefpack.brief import fitcache

    src = Path(__file__).parents[1] / "src"
    seen: set[str] = set()
    todo = ["briefpack.brief.choose"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse((src / (name.replace(".", "/") + ".py")).read_text())
        todo += [
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            and node.module is not None
            and (
                node.module.startswith(("briefpack.brief.", "briefpack.select."))
                or node.module == "briefpack.tokens.estimate"
            )
            and (src / (node.module.replace(".", "/") + ".py")).is_file()
        ]
    aside = {"briefpack.brief.config", "briefpack.brief.fitcache", "briefpack.brief.guard"}
    assert "briefpack.tokens.estimate" in seen
    assert seen - aside <= set(fitcache._CODE)

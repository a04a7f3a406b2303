"""The select stage: terms, profiles, each ranking signal, outlines, the ladder's plan."""

from __future__ import annotations

import importlib
import marshal
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from briefpack.brief.render import tree
from briefpack.select.central import CentralCache, centrality, owns_of, used_by
from briefpack.select.kinds import kind_weight
from briefpack.select.ladder import PinTooLarge, Plan, arrange, demote, plan
from briefpack.select.outline import outline
from briefpack.select.past import Commit
from briefpack.select.profile import CACHE_VERSION, Profile, ProfileCache, profile
from briefpack.select.rank import Query, rank_files
from briefpack.select.terms import parts, stemmed, term_counts


def test_identifiers_and_prose_meet_in_their_parts() -> None:
    assert parts("RateLimiter") == ("rate", "limit", "ratelimiter")
    assert parts("rate_limiter") == ("rate", "limit", "rate_limiter")
    assert parts("HTTPServer") == ("http", "serv", "httpserver")
    assert parts("the") == () and parts("x") == () and parts("42") == ()
    prose = term_counts("Add rate limiting to the login views")
    assert set(prose) == {"add", "rate", "limit", "login", "view"}
    assert stemmed("theming") == stemmed("theme") and stemmed("tables") == stemmed("table")


def test_a_profile_holds_terms_and_definitions() -> None:
    made = profile(
        "class RateLimiter:\n    def check(self): ...\nMAX_RATE: int = 5\n"
        "export const fooBar = () => 1\nfunc (s *Server) ServeHTTP(w) {}\n"
    )
    assert set(made.defines) == {"RateLimiter", "check", "MAX_RATE", "fooBar", "ServeHTTP"}
    assert made.terms["rate"] == 2 and made.length == sum(made.terms.values())


def test_the_profile_cache_round_trips_and_survives_corruption(tmp_path: Path) -> None:
    text = "def alpha_beta(): ...\n"
    cache = ProfileCache.for_root(tmp_path)
    first = cache.profile(text)
    cache.save()
    again = ProfileCache.for_root(tmp_path)
    assert again.profile(text) == first and not again.dirty  # read back, not made again
    assert again.path is not None
    stale = marshal.dumps((CACHE_VERSION - 1, {}))
    for junk in (b"", b"\x00garbage", stale, marshal.dumps([1]), marshal.dumps((1, {"k": 5}))):
        again.path.write_bytes(junk)
        fresh = ProfileCache.for_root(tmp_path)
        assert fresh.entries == {}
        assert fresh.profile(text) == first and fresh.dirty  # made again


def ranks(files: dict[str, str], goal: str = "", **query: object) -> list[str]:
    paths = list(files)
    found = [profile(files[p]) for p in paths]
    return [r.path for r in rank_files(paths, found, Query(text=goal, **query))]  # type: ignore[arg-type]


FILLER = {f"pkg/other{i}.py": f"def unrelated_{i}(x):\n    return x * {i}\n" for i in range(8)}


def test_text_ranks_the_file_about_the_goal_first() -> None:
    files = {**FILLER, "pkg/throttle.py": "class RateLimiter:\n    rate = 10\n    limit = 5\n"}
    assert ranks(files, "Add rate limiting")[0] == "pkg/throttle.py"


def test_path_words_count_more_than_text_words() -> None:
    files = {**FILLER, "auth/login.py": "def go(): ...\n", "misc/notes.py": "# login\n"}
    assert ranks(files, "Fix the login flow")[0] == "auth/login.py"


@pytest.mark.parametrize("goal", ["Fix pkg/other3.py", "Fix other3.py please"])
def test_a_file_the_goal_names_comes_first(goal: str) -> None:
    assert ranks(FILLER, goal)[0] == "pkg/other3.py"


def test_a_file_defining_a_named_identifier_comes_first() -> None:
    files = {**FILLER, "pkg/core.py": "def compute_total_price(cart):\n    return 0\n"}
    assert ranks(files, "compute_total_price is wrong for empty carts")[0] == "pkg/core.py"


def test_files_in_the_diff_and_pins_come_first() -> None:
    order = ranks(FILLER, "g", changed=frozenset({"pkg/other5.py"}))
    assert order[0] == "pkg/other5.py"
    pinned = ranks(FILLER, "g", pinned=("pkg/other7.py", "pkg/other2.py"))
    assert pinned[:2] == ["pkg/other7.py", "pkg/other2.py"]


def test_a_neighbour_of_the_best_match_outranks_a_stranger() -> None:
    files = {
        **FILLER,
        "pay/checkout.py": "from pay.money import round_currency\n\ndef checkout_basket(b):\n"
        "    return round_currency(b.total)\n",
        "pay/money.py": "def round_currency(value):\n    return round(value, 2)\n",
    }
    order = ranks(files, "The checkout basket total is off by a cent")
    assert order[0] == "pay/checkout.py"
    assert order[1] == "pay/money.py"  # it defines what the best match uses


def test_a_file_often_changed_with_the_best_match_outranks_a_stranger() -> None:
    files = {
        **FILLER,
        "pay/checkout.py": "def checkout_basket(b):\n    return b.total\n",
        "templates/cart.html": "<p>{{ amount }}</p>\n",
    }
    goal = "The checkout basket total is off by a cent"
    together = Commit(frozenset({"pay/checkout.py", "templates/cart.html"}))
    history = (
        together,
        together,
        Commit(frozenset({"pay/checkout.py"})),
        Commit(frozenset({"pkg/other1.py"})),
    )
    before = ranks(files, goal)
    after = ranks(files, goal, history=history)
    assert after[:2] == ["pay/checkout.py", "templates/cart.html"] != before[:2]
    once = (together, Commit(frozenset({"pay/checkout.py"})))  # one shared commit says nothing yet
    assert ranks(files, goal, history=once) == before
    sweep = tuple(Commit(together.files | {f"x{i}.py" for i in range(40)}) for _ in range(3))
    assert ranks(files, goal, history=sweep) == before  # a sweeping commit is not a change


def test_files_that_past_changes_like_the_goal_touched_rank_higher() -> None:
    """The goal's words in past commits' messages speak for the files those commits touched:
    `like a past change`, even for a file whose own text never says them."""
    files = {
        **FILLER,
        "pay/checkout.py": "def checkout_basket(b):\n    return b.total\n",
        "pay/ledger.py": "def post_entry(e):\n    return e\n",
    }
    goal = "The checkout basket total is off by a cent"
    history = (
        Commit(frozenset({"pay/ledger.py", "pkg/other2.py"}), "Round the basket total to a cent"),
        Commit(frozenset({"pkg/other3.py"}), "Speed up the importer"),
    )
    before = ranks(files, goal)
    after = ranks(files, goal, history=history)
    assert after[0] == before[0] == "pay/checkout.py"
    assert set(after[1:3]) == {"pay/ledger.py", "pkg/other2.py"} != set(before[1:3])
    paths = list(files)
    found = rank_files(paths, [profile(files[p]) for p in paths], Query(goal, history=history))
    why = next(r for r in found if r.path == "pay/ledger.py").reasons
    assert 'like a past change: "Round the basket total to a cent"' in why
    unlike = next(r for r in found if r.path == "pkg/other3.py")  # "Speed up the importer"
    assert not any("past change" in reason for reason in unlike.reasons)
    changed = Query(goal, history=history, changed=frozenset({"pkg/other5.py"}))
    shared = rank_files(paths, [profile(files[p]) for p in paths], changed)
    score = {r.path: r.score for r in shared}  # a share of the best match's score, not the
    assert score["pay/ledger.py"] < score["pay/checkout.py"]  # diff's bonus of 1,000
    odd = (Commit(frozenset({"pay/ledger.py"}), "Round the basket \x1b[2Jtotal"),)
    found = rank_files(paths, [profile(files[p]) for p in paths], Query(goal, history=odd))
    said = next(r for r in found if r.path == "pay/ledger.py").reasons
    assert 'like a past change: "Round the basket ?[2Jtotal"' in said  # no escape reaches a tty
    untold = Query(goal, history=tuple(Commit(c.files) for c in history))  # no messages
    assert [r.path for r in rank_files(paths, [profile(files[p]) for p in paths], untold)] == before


def test_tests_and_catalogs_rank_below_the_code_they_belong_to() -> None:
    text = "def refund_order(o):\n    return o\n"
    files = {"locale/de/django.po": text, "tests/test_refund.py": text, "shop/refund.py": text}
    assert ranks(files, "refund order") == [
        "shop/refund.py",
        "tests/test_refund.py",
        "locale/de/django.po",
    ]
    assert kind_weight("src/app.py") == 1.0 > kind_weight("docs/guide.md")


def test_without_a_goal_central_and_recent_files_come_first() -> None:
    files = {
        "core/models.py": "class CustomerAccount:\n    pass\n",
        **{
            f"views/v{i}.py": f"from core.models import CustomerAccount\nV{i} = CustomerAccount\n"
            for i in range(4)
        },
        "scripts/tool.py": "print('hi')\n",
    }
    assert ranks(files)[0] == "core/models.py"
    assert ranks({"a.py": "x = 1\n", "b.py": "y = 2\n"}, recent={"b.py": 4})[0] == "b.py"


def test_python_outline_keeps_signatures_docstrings_and_constants() -> None:
    text = (
        '"""Module."""\nimport os\nfrom a import b\n\nLIMIT = 5\nlower = 1\n\n'
        "@decorate\nclass Shop(Base):\n"
        '    """A shop.\n\n    More."""\n\n    def buy(self, item: str,\n            n: int = 1) -> bool:\n'
        "        return True\n\nasync def main() -> None:\n    pass\n"
    )
    assert outline("shop.py", text).text == (
        "import os\nfrom a import b\nLIMIT = 5\n@decorate\nclass Shop(Base):\n"
        '    """A shop."""\n    def buy(self, item: str, n: int = 1) -> bool:\n'
        "async def main() -> None:\n"
    )
    blank = 'class Case:\n    def test_two(self):\n        """\n\n        """\n        pass\n'
    assert outline("case.py", blank).text == "class Case:\n    def test_two(self):\n"


def test_markdown_and_other_code_outlines() -> None:
    md = "# Title\n\ntext\n\n```\n# not a heading\n```\n## Part\n"
    assert outline("a.md", md).text == "# Title\n## Part\n"
    ts = (
        "import { x } from './x'\nexport class Cart extends Base {\n  private items: number[] = []\n"
        "  add(item: number,\n      n = 1): void {}\n}\nexport function total(a: number) {\n}\n"
    )
    assert outline("a.ts", ts).text == (
        "import { x } from './x'\nclass Cart extends Base\n  add(item: number, n = 1): void\n"
        "function total(a: number)\n"
    )
    assert outline("a.zig", "pub fn main() void {\n}\n").text == "pub fn main() void\n"
    assert outline("a.py", "x = 1\n").text is None  # nothing worth an outline


@pytest.mark.parametrize(
    ("name", "text", "parser"),
    [("broken.py", "def f(:\n    pass\n", "Python"), ("broken.ts", "class {{{ (\n", "tree-sitter")],
)
def test_a_file_that_cannot_be_parsed_has_no_outline_and_says_why(
    name: str, text: str, parser: str
) -> None:
    made = outline(name, text)
    assert made.text is None and f"{parser} cannot parse it" in made.problem


def test_the_plan_fills_by_rank_with_pins_first() -> None:
    full = {"a": 100, "b": 100, "c": 100, "d": 100}
    costs = {"a": 10, "b": 10, "c": 10, "d": None}
    made = plan(["a", "b", "c", "d"], full, costs.get, 260, frozenset({"d"}))
    assert made.levels == {"d": "full", "a": "full", "b": "outline", "c": "outline"}
    with pytest.raises(PinTooLarge):
        plan(["a", "d"], full, costs.get, 50, frozenset({"d"}))


def test_only_relevant_files_fill_gaps_and_outlines_stop_at_the_first_misfit() -> None:
    """A small file filling the last gap changes with every edit elsewhere: after a file that
    does not fit, only files with a score fill the gaps, in full text and in outline."""
    full = {"big": 300, "a": 100, "tiny": 10, "rel": 20}
    made = plan(["a", "big", "tiny"], full, {}.get, 200)
    assert made.levels == {"a": "full", "big": "path", "tiny": "path"}
    scores = {"a": 1.0, "rel": 0.1}
    made = plan(["a", "big", "rel", "tiny"], full, {}.get, 200, scores=scores)
    assert made.levels == {"a": "full", "big": "path", "rel": "full", "tiny": "path"}
    costs = {"a": 30, "big": 90, "tiny": 5}
    made = plan(["a", "big", "tiny"], full, costs.get, 95)
    assert made.levels == {"a": "outline", "big": "path", "tiny": "path"}
    full, costs = {"a": 100, "big": 300, "c": 100}, {"a": 30, "big": 90, "c": 20}
    made = plan(["a", "big", "c"], full, costs.get, 95)
    assert made.levels == {"a": "outline", "big": "path", "c": "path"}
    made = plan(["a", "big", "c"], full, costs.get, 95, scores={"a": 2.0, "big": 1.0})
    assert made.levels == {"a": "outline", "big": "path", "c": "outline"}  # past a relevant one


def test_folder_totals_keep_two_figures_so_an_edit_seldom_changes_the_tree() -> None:
    before = tree(["a.py"], {"docs/x.md": 639_123, "docs/y.md": 1})
    after = tree(["a.py"], {"docs/x.md": 639_480, "docs/y.md": 1})
    assert before == after and "docs/ (2 files, ~640 k tokens)" in before
    assert "(2 files, ~6.9 k tokens)" in tree([], {"b/x.md": 6_900, "b/y.md": 34})
    assert "(2 files, ~47 tokens)" in tree([], {"b/x.md": 40, "b/y.md": 7})
    assert tree([], {"b/c/x.md": 40}) == ".\n└── b/c/x.md\n"  # a folder of one file: its path


def test_demote_frees_room_from_the_bottom_up() -> None:
    full = {"a": 100, "b": 100, "c": 100}
    costs = {"a": 10, "b": 10, "c": None}
    start = Plan({"a": "full", "b": "full", "c": "full"}, ("a", "b", "c"))
    once = demote(start, 50, full, costs.get)
    assert once is not None and once.levels == {"a": "full", "b": "full", "c": "path"}
    twice = demote(once, 50, full, costs.get)
    assert twice is not None and twice.levels["b"] == "outline"
    assert demote(Plan({"a": "path"}, ("a",)), 10, full, costs.get) is None


def test_the_best_ranked_full_files_come_last() -> None:
    assert arrange(["a", "b", "c", "d"], {"a": 1, "b": 9, "c": 2, "d": 11}, last=10) == [
        "d",
        "b",
        "c",
        "a",
    ]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "a.go",
            'package main\n\nimport "fmt"\n\nfunc (c *Cart) Add(n int) error {\n  return nil\n}\n',
            'package main\nimport "fmt"\nfunc (c *Cart) Add(n int) error\n',
        ),
        (
            "a.rs",
            "use std::io;\n\nimpl Cart {\n    pub fn add(&mut self, n: u32) -> u32 {\n        n\n"
            "    }\n}\n",
            "use std::io;\nimpl Cart\n  pub fn add(&mut self, n: u32) -> u32\n",
        ),
        (
            "A.java",
            "import java.util.List;\n\npublic class Cart {\n  public int add(int n) {\n"
            "    return n;\n  }\n}\n",
            "import java.util.List;\npublic class Cart\n  public int add(int n)\n",
        ),
        (
            "a.c",
            "#include <stdio.h>\n\nint add(int a, int b) {\n  return a + b;\n}\n",
            "#include <stdio.h>\nint add(int a, int b)\n",
        ),
        (
            "a.cpp",
            "namespace shop {\nclass Cart {\n public:\n  int add(int n) { return n; }\n};\n}\n",
            "namespace shop\n  class Cart\n    int add(int n)\n",
        ),
        ("a.rb", "class Cart\n  def add(n)\n    n\n  end\nend\n", "class Cart\n  def add(n)\n"),
        ("a.js", "export function add(a, b) {\n  return a + b\n}\n", "function add(a, b)\n"),
        (
            "a.ts",
            "export const total = async (cart: Cart): Promise<number> => {\n  return 0\n}\n"
            "const LIMIT = 10\nlet rows = "
            + "["
            + "1, " * 40
            + "1]\nfunction f() { const x = 1 }\ndeclare const VERSION: string;\n",
            "const total = async (cart: Cart): Promise<number> =>\nconst LIMIT = 10\n"
            "let rows = " + ("[" + "1, " * 40)[:60] + " …\nfunction f()\nconst VERSION: string\n",
        ),
        (
            "a.go",
            "package shop\n\nconst Limit = 10\n\nconst (\n\tA = iota\n\tB\n)\n\nvar x, y = 1, 2\n"
            "var (\n\tz = 3\n\th = func(n int) int {\n\t\treturn n\n\t}\n)\n",
            "package shop\nconst Limit = 10\nconst A = iota\nconst B\nvar x, y = 1, 2\nvar z = 3\n"
            "var h = func(n int) int\n",
        ),
    ],
)
def test_each_grammar_outlines_its_language(name: str, text: str, expected: str) -> None:
    assert outline(name, text).text == expected


def test_profiles_made_on_every_core_are_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefpack.select.profile import profiles
    from briefpack.tokens import parallel

    paths = [f"pkg/m{i}.py" for i in range(40)] + ["locale/de/x.po"]
    texts = [f"def handler_{i}(request):\n    return rate_limit_{i % 7}\n" * 20 for i in range(41)]
    serial = profiles(paths, texts, None)
    monkeypatch.setattr(parallel, "FORK_MIN_CHARS", 1)
    monkeypatch.setattr(parallel, "cores", lambda: 2)
    cache = ProfileCache.for_root(tmp_path)
    assert profiles(paths, texts, cache) == serial
    assert len(cache.entries) == 40 and cache.dirty  # made ahead, in the workers
    assert serial[-1].terms == {}  # a catalog ranks by its path alone


def test_a_file_using_its_own_names_is_not_central() -> None:
    files = {
        "big.py": "".join(
            f"def helper_function_{i}():\n    helper_function_{i}\n" for i in range(50)
        ),
        "core.py": "class CustomerAccount:\n    pass\n",
        **{f"v{i}.py": "from core import CustomerAccount\nX = CustomerAccount\n" for i in range(5)},
    }
    assert ranks(files)[0] == "core.py"


def test_centrality_kept_from_build_to_build_is_the_same_as_made_afresh(tmp_path: Path) -> None:
    """A random history of edits (some keeping every name), new names, renames and removals:
    centrality from the cache (asking only for the profiles it needs, or taking the last
    build's when nothing it counts changed) equals centrality from every profile."""
    rng = random.Random(11)
    words = [
        f"{w}_{i}" for w in ("parse_token", "render_row", "LoadBalancer", "cache") for i in range(6)
    ]
    words += ["ranked", "rankers", "shared_name", "Shared_Name"]  # stems and case collisions

    def text() -> str:
        defs = rng.sample(words, rng.randint(0, 4))
        uses = rng.sample(words, rng.randint(0, 6))
        return "".join(
            f"def {d}():\n    return {u}()\n" for d, u in zip(defs, uses + defs, strict=False)
        )

    files = {f"pkg/m{i}.py": text() for i in range(12)} | {"docs/guide.md": "uses ranked\n"}
    cache = CentralCache.for_root(tmp_path)
    fewer = 0  # builds that asked for fewer profiles than there are files
    for _ in range(40):
        path = rng.choice(sorted(files))
        if rng.random() < 0.3:  # an edit that defines and uses the same names
            files[path] += f"# edited {rng.randint(0, 9)}\n"
        else:
            files[path if rng.random() < 0.7 else f"pkg/n{rng.randint(0, 30)}.py"] = text()
        if rng.random() < 0.2 and len(files) > 4:
            del files[rng.choice(sorted(files))]
        paths = sorted(files)
        found = [profile(files[p], code=p.endswith(".py")) for p in paths]
        asked: list[int] = []

        def profiles_of(
            indexes: Sequence[int], found: list[Profile] = found, asked: list[int] = asked
        ) -> list[Profile]:
            asked.extend(indexes)
            return [found[i] for i in indexes]

        keys = [str(hash(files[p])) for p in paths]
        afresh = used_by(
            paths,
            [owns_of(p, f) for p, f in zip(paths, found, strict=True)],
            [f.terms.keys() for f in found],
        )
        assert centrality(paths, keys, profiles_of, cache) == afresh
        fewer += len(asked) < len(files)
        cache.save()
        cache = CentralCache.for_root(tmp_path)
    assert cache.parts and fewer > 10


def test_centrality_after_an_edit_keeping_every_name_asks_for_that_file_only(
    tmp_path: Path,
) -> None:
    files = {
        "core.py": "class CustomerAccount:\n    pass\n",
        **{f"v{i}.py": "from core import CustomerAccount\nX = CustomerAccount\n" for i in range(3)},
    }
    paths = sorted(files)

    def build() -> tuple[list[int], list[int]]:
        found = [profile(files[p], code=True) for p in paths]
        asked: list[int] = []

        def profiles_of(indexes: Sequence[int]) -> list[Profile]:
            asked.extend(indexes)
            return [found[i] for i in indexes]

        cache = CentralCache.for_root(tmp_path)
        used = centrality(paths, [str(hash(files[p])) for p in paths], profiles_of, cache)
        cache.save()
        return used, asked

    first, _ = build()
    files["v1.py"] += "# the same names, and one comment\n"
    again, asked = build()
    assert first == again == [3, 0, 0, 0] and asked == [paths.index("v1.py")]


def test_a_corrupt_centrality_cache_counts_as_empty(tmp_path: Path) -> None:
    cache = CentralCache.for_root(tmp_path)
    assert cache.path is not None
    for junk in (b"", b"\x00garbage", marshal.dumps(("old", {})), marshal.dumps([1])):
        cache.path.parent.mkdir(parents=True, exist_ok=True)
        cache.path.write_bytes(junk)
        assert CentralCache.for_root(tmp_path).parts == {}


def test_profiles_made_later_go_to_a_journal_read_with_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile_module = importlib.import_module("briefpack.select.profile")  # not the function
    first = ProfileCache.for_root(tmp_path)
    alpha = first.profile("def alpha_one(): ...\n")
    first.save()
    assert first.path is not None
    journal, written = first.path.with_suffix(".journal"), first.path.stat().st_mtime_ns
    later = ProfileCache.for_root(tmp_path)
    beta = later.made_now("b.py", "def beta_two(): ...\n")  # the cache file is not read
    assert later.loaded is None
    later.save()
    assert first.path.stat().st_mtime_ns == written and journal.exists()  # nor rewritten
    again = ProfileCache.for_root(tmp_path)
    assert again.profile("def alpha_one(): ...\n") == alpha
    assert again.profile("def beta_two(): ...\n") == beta and not again.dirty
    monkeypatch.setattr(profile_module, "JOURNAL", 1)
    again.made_now("c.py", "def gamma_three(): ...\n")
    again.save()  # the journal would hold two: merged into the cache file
    assert not journal.exists() and len(ProfileCache.for_root(tmp_path).entries) == 3

"""What kind of file a path names (code, test, fixture, migration, translation catalog,
generated, docs), and how much of its relevance each kind keeps: tests, catalogs and the like
rank below the code they belong to."""

from __future__ import annotations

import re
from functools import lru_cache

CONTENT_WEIGHT = 0.1  # files weighted no more (catalogs, generated files) rank by path alone

_CODE = re.compile(
    r"\.(py|pyi|js|mjs|cjs|jsx|ts|mts|cts|tsx|vue|svelte|go|rs|java|kt|scala|rb|php|cs|c|h|"
    r"cc|cpp|hpp|swift|m|ex|exs|erl|hs|lua|dart)$"
)


def is_code(path: str) -> bool:
    """Whether the path names source code (by its ending): only code defines names."""
    return _CODE.search(path) is not None


_TEST = re.compile(
    r"(^|/)(tests?|spec|specs|__tests__|__mocks__|testing|e2e|playground)/"
    r"|(^|/)test_[^/]*$|_test\.\w+$|\.(test|spec|stories)\.\w+$|(^|/)(conftest|tests?)\.py$"
)
_FIXTURE = re.compile(r"(^|/)(fixtures?|testdata|test_data|examples?|samples?|benchmarks?)/")
_MIGRATION = re.compile(r"(^|/)migrations?/")
_LOCALE = re.compile(r"(^|/)(locale|locales|i18n|l10n|translations)/|\.(po|pot|mo|xlf)$")
_GENERATED = re.compile(
    r"(^|/)(vendor|third_party|dist|build|node_modules|generated)/|\.min\.\w+$|\.map$|\.snap$"
    r"|\.(svg|lock|csv|tsv)$"
)
_DOCS = re.compile(r"(^|/)(docs?|documentation)/|\.(md|rst|txt|adoc)$|(^|/)CHANGE")


def kind(path: str) -> str:
    """The kind of file `path` names."""
    for name, pattern in _KINDS:
        if pattern.search(path):
            return name
    return "code"


_KINDS = (
    ("translation", _LOCALE),
    ("generated", _GENERATED),
    ("test", _TEST),
    ("fixture", _FIXTURE),
    ("migration", _MIGRATION),
    ("docs", _DOCS),
)
_WEIGHTS = {
    "translation": 0.05,
    "generated": 0.1,
    "test": 0.35,
    "fixture": 0.3,
    "migration": 0.3,
    "docs": 0.5,
    "code": 1.0,
}


@lru_cache(maxsize=65_536)
def kind_weight(path: str) -> float:
    """How much of its score a file keeps for what it is: code keeps all of it."""
    return _WEIGHTS[kind(path)]

"""detect-secrets, loaded once and without its network client: its regex detectors, and its
keyword detector (`password = "..."` in code) with heuristics against false positives."""

from __future__ import annotations

import importlib
import os
import re
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from briefpack.secrets.rules import KIND_BY_TYPE, PLUGINS, Detector, a_mode, names_a_thing


@dataclass(frozen=True)
class KeywordRules:
    """detect-secrets' keyword detector (`password = "..."` in code) with its own heuristics
    against false positives."""

    detector: Any
    by_file_type: Any
    default: Any
    file_type: Any
    heuristic: Any
    quoted: tuple[Any, ...]  # the rule sets that only match quoted values
    words: tuple[str, ...]  # its keywords spelt out (`api_?key` -> api_key, apikey), lowercase
    by_extension: dict[str, Any] = field(default_factory=dict)

    def rules_for(self, path: str) -> Any:
        """The keyword regexes for this file's type (quotes required in code); detect-secrets
        tells the type by the extension alone, so its answer is kept per extension."""
        extension = os.path.splitext(path)[1]  # noqa: PTH122  (as detect-secrets splits it)
        rules = self.by_extension.get(extension)
        if rules is None:
            rules = self.by_file_type.get(self.file_type(path), self.default)
            self.by_extension[extension] = rules
        return rules

    def values(self, line: str, rules: Any) -> Iterator[tuple[int, int]]:
        """Spans of the secret values this one line assigns or compares."""
        if rules in self.quoted and not any(q in line for q in "\"'`"):
            return
        lowered = line.lower()
        if not any(word in lowered for word in self.words):
            return  # its regexes all need one of its keywords: skip them (~70 us a line)
        for value in self.detector.analyze_string(line, denylist_regex_to_group=rules):
            at = line.find(value)
            if at >= 0 and not self._false_positive(value, line):
                yield at, at + len(value)

    def _false_positive(self, value: str, line: str) -> bool:
        h = self.heuristic
        return bool(
            len(value) < 4
            or names_a_thing(value)
            or a_mode(value, line)
            or h.is_sequential_string(value)
            or h.is_potential_uuid(value)
            or h.is_likely_id_string(value, line)
            or h.is_templated_secret(value)
            or h.is_prefixed_with_dollar_sign(value)
            or h.is_indirect_reference(line)
            or h.is_not_alphanumeric_string(value)
        )


class NoNetwork(types.ModuleType):
    """Stands in for `requests` while detect-secrets loads: its plugins import it at module level
    for their `verify` step, which briefpack never calls. Any use raises instead of reaching out,
    and the import costs ~0.03 s instead of ~0.16 s."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"briefpack never verifies secrets over the network (requests.{name})")


@contextmanager
def _without_network_client() -> Iterator[None]:
    if "requests" in sys.modules:  # someone already loaded the real one: use it, never call it
        yield
        return
    sys.modules["requests"] = NoNetwork("requests")
    try:
        yield
    finally:
        del sys.modules["requests"]  # a later `import requests` elsewhere gets the real one


@cache
def load_library() -> tuple[tuple[Detector, ...], KeywordRules]:
    """detect-secrets' regex detectors and keyword rules, loaded once."""
    with _without_network_client():
        from detect_secrets.filters import heuristic
        from detect_secrets.plugins import keyword
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.util.filetype import determine_file_type

        modules = {
            name: importlib.import_module(f"detect_secrets.plugins.{name}") for name in PLUGINS
        }
    detectors: list[Detector] = []
    for name, literals in PLUGINS.items():
        module = modules[name]
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, RegexBasedDetector)
                and value.__module__ == module.__name__
            ):
                # class attributes that detect-secrets' types declare as properties
                secret_type: str = getattr(value, "secret_type")  # noqa: B009
                patterns: list[re.Pattern[str]] = list(getattr(value, "denylist"))  # noqa: B009
                kind = KIND_BY_TYPE.get(secret_type) or _slug(secret_type)
                detectors.extend(Detector(_kind_of(kind, p), p, literals) for p in patterns)
    rules = KeywordRules(
        detector=keyword.KeywordDetector(),
        by_file_type=keyword.REGEX_BY_FILETYPE,
        default=keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
        file_type=determine_file_type,
        heuristic=heuristic,
        quoted=(
            keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
            keyword.COMMON_C_DENYLIST_REGEX_TO_GROUP,
            keyword.C_PLUS_PLUS_REGEX_TO_GROUP,
        ),
        words=tuple(
            spelling
            for pattern in keyword.DENYLIST
            for spelling in {pattern.replace("_?", "_"), pattern.replace("_?", "")}
        ),
    )
    return tuple(detectors), rules


def _kind_of(kind: str, pattern: re.Pattern[str]) -> str:
    """detect-secrets names AWS secret keys (its pattern with a group) as access keys."""
    return "aws-secret-key" if kind == "aws-access-key" and pattern.groups else kind


def _slug(secret_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-")

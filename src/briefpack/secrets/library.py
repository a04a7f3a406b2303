"""detect-secrets, loaded once and without its network client: its regex detectors for provider
tokens (its keyword detector is replaced by our ASSIGNMENT rule, which shows the name)."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from briefpack.secrets.rules import KIND_BY_TYPE, PLUGINS, Detector


class NoNetwork(types.ModuleType):
    """Stands in for `requests` while detect-secrets loads: its plugins import it at module level
    for their `verify` step, which briefpack never calls. Any use raises instead of reaching out,
    and the import costs ~0.03 s instead of ~0.16 s."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"briefpack never verifies secrets over the network (requests.{name})")


class Package(types.ModuleType):
    """Stands in for detect-secrets' package module, without running its `__init__`: that only
    re-exports SecretsCollection, and loads the whole scanner behind it to do so (multiprocessing,
    pickle, socket: ~25 ms at every commit). The plugins briefpack uses are its
    submodules; SecretsCollection is still there for whoever asks for it."""

    def __getattr__(self, name: str) -> Any:
        if name == "SecretsCollection":
            from detect_secrets.core.secrets_collection import SecretsCollection

            return SecretsCollection
        raise AttributeError(name)


@contextmanager
def _without_network_client() -> Iterator[None]:
    _package_stand_in()
    if "requests" in sys.modules:  # someone already loaded the real one: use it, never call it
        yield
        return
    sys.modules["requests"] = NoNetwork("requests")
    try:
        yield
    finally:
        del sys.modules["requests"]  # a later `import requests` elsewhere gets the real one


def _package_stand_in() -> None:
    spec = importlib.util.find_spec("detect_secrets")
    if "detect_secrets" in sys.modules or spec is None or not spec.submodule_search_locations:
        return  # loaded already, or missing: importing it says so
    package = Package("detect_secrets")
    package.__path__ = list(spec.submodule_search_locations)
    package.__spec__, package.__file__, package.__package__ = spec, spec.origin, "detect_secrets"
    sys.modules["detect_secrets"] = package


@cache
def load_library() -> tuple[Detector, ...]:
    """detect-secrets' regex detectors, loaded once."""
    with _without_network_client():
        from detect_secrets.plugins.base import RegexBasedDetector

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
    return tuple(detectors)


def _kind_of(kind: str, pattern: re.Pattern[str]) -> str:
    """detect-secrets names AWS secret keys (its pattern with a group) as access keys."""
    return "aws-secret-key" if kind == "aws-access-key" and pattern.groups else kind


def _slug(secret_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-")

"""briefpack: pack a repository into one brief for a reasoning model.

Stages, each a package, every import pointing down this list (tests/test_layout.py checks it):
cli -> send, snapshot -> brief -> select -> secrets -> tokens -> git, errors.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence

__version__ = "0.1.0"


def surface(
    package: str, exports: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """A stage's public names (module -> names), each imported from its module on first use
    (PEP 562), so that loading one module of a stage does not load the others: `send`'s surface
    would otherwise import openai, and the hook would load the CLI's whole brief stage."""
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__

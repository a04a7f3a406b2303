"""The tokens stage: tiktoken encodings loaded offline, exact counts cached by content digest,
the dated model table with prices and windows, and the cache folder every stage shares.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from briefpack import surface

if TYPE_CHECKING:
    from briefpack.tokens.count import TokenCache, TokenCounter, digest
    from briefpack.tokens.encodings import load_encoding
    from briefpack.tokens.models import (
        UNKNOWN_SOURCE,
        ModelInfo,
        ModelTable,
        budget_for,
        load_table,
        resolve_model,
    )
    from briefpack.tokens.store import cache_dir, keep_local, write_atomic

__all__ = [
    "UNKNOWN_SOURCE",
    "ModelInfo",
    "ModelTable",
    "TokenCache",
    "TokenCounter",
    "budget_for",
    "cache_dir",
    "digest",
    "keep_local",
    "load_encoding",
    "load_table",
    "resolve_model",
    "write_atomic",
]

__getattr__, __dir__ = surface(
    __name__,
    {
        "count": ("TokenCache", "TokenCounter", "digest"),
        "encodings": ("load_encoding",),
        "models": (
            "UNKNOWN_SOURCE",
            "ModelInfo",
            "ModelTable",
            "budget_for",
            "load_table",
            "resolve_model",
        ),
        "store": ("cache_dir", "keep_local", "write_atomic"),
    },
)

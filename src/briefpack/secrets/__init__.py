"""The secrets stage: detect credentials in text (provider formats, private keys, secret-named
assignments), redact them, and cache scans by content digest so a warm build scans nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from briefpack import surface

if TYPE_CHECKING:
    from briefpack.secrets.guard import ScanCache, SecretsError, finding_lines
    from briefpack.secrets.scan import Finding, describe, redact, scan_text, scanner_id

# What a brief does with a secret found; here, not in a module, so that the config can name it
# without loading the scanner.
SecretsMode = Literal["redact", "block", "allow"]

__all__ = [
    "Finding",
    "ScanCache",
    "SecretsError",
    "SecretsMode",
    "describe",
    "finding_lines",
    "redact",
    "scan_text",
    "scanner_id",
]

__getattr__, __dir__ = surface(
    __name__,
    {
        "scan": ("Finding", "describe", "redact", "scan_text", "scanner_id"),
        "guard": ("ScanCache", "SecretsError", "finding_lines"),
    },
)

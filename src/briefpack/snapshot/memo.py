"""The snapshot memo's file: after a snapshot is written, its rows (brief/memorows.py) and the
snapshot's sha256, so the next commit's build reads only the blobs that changed (the reading
side, and the rows' format, are in briefpack.brief.memo)."""

from __future__ import annotations

import marshal
from typing import Any

from briefpack.brief.memo import MEMO_VERSION, Memo
from briefpack.brief.memorows import memo_rows
from briefpack.tokens.store import write_atomic


def save_memo(memo: Memo, *, context_sha256: str, **rows: Any) -> None:
    """Write the memo of the snapshot whose bytes have this sha256 (`rows`: memo_rows')."""
    if memo.path is None:
        return
    data = {
        "briefpack_memo": MEMO_VERSION,
        "key": memo.key,
        "context_sha256": context_sha256,
        "files": memo_rows(memo, **rows),
    }
    memo.path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(memo.path, marshal.dumps(data))

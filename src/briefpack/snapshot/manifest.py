"""The snapshot's manifest (`context.json`): what the context carries, each file's level, rank,
tokens and text digest, written deterministically (sorted, fixed JSON layout)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefpack.brief.config import Settings
from briefpack.brief.memo import Memo
from briefpack.brief.memorows import carried_docs
from briefpack.brief.pipeline import Built

MANIFEST_VERSION = 3  # 2: each file's level and rank, and the files by path only; 3: digest
DIGEST = 16  # hex digits of the text's sha256 a manifest row keeps: a full one is 64 digits no
# compressor can shrink, 60% of a fitted manifest's bytes in .git at every commit


@dataclass(frozen=True)
class Snapshot:
    """The two files of a snapshot and what they should hold."""

    context_path: Path
    manifest_path: Path
    manifest: str
    data: bytes  # the context, as written (UTF-8)
    shas: dict[str, str]  # path -> sha256 of its text, as in the manifest

    def paths(self) -> tuple[Path, Path]:
        """Both files."""
        return self.context_path, self.manifest_path


def snapshot_path(settings: Settings) -> Path:
    """Where the snapshot's context goes (its manifest is beside it, as .json)."""
    return settings.root / settings.config.snapshot_path


def make_snapshot(built: Built, data: bytes, memo: Memo | None = None) -> Snapshot:
    """The snapshot of a built brief (built without goal/format/warnings unless configured)."""
    context_path = snapshot_path(built.settings)
    docs = {d.path: d for d in carried_docs(built.brief)}
    shas: dict[str, str] = {}
    files = []
    for section, path, tokens in built.file_tokens():
        if path in docs:
            text = docs[path].text
            shas[path] = (memo.sha256(path, text) if memo is not None else None) or _sha256(text)
            files.append(
                {"path": path, "section": section, "digest": shas[path][:DIGEST], "tokens": tokens}
                | _placed(built, path)
            )
    files += [
        {"path": path, "section": "tree", "tokens": 0} | _placed(built, path)
        for path in built.brief.path_only or {}
    ]
    manifest = {
        "briefpack_manifest": MANIFEST_VERSION,
        "snapshot": context_path.name,
        "model": built.model.id,
        "encoding": built.model.encoding,
        "total_tokens": built.total,
        "files": files,
    }
    return Snapshot(
        context_path=context_path,
        manifest_path=context_path.with_suffix(".json"),
        manifest=_manifest_json(manifest),
        data=data,
        shas=shas,
    )


def _placed(built: Built, path: str) -> dict[str, Any]:
    """A manifest row's level (full, outline, path) and rank: code files that rank for a reason
    (files without a score tie, and their places in path order would shift at every new file)."""
    ranked = built.ranks.get(path)
    level = built.levels.get(path, "full")
    placed = ranked is not None and (ranked.score > 0 or "pinned" in ranked.reasons)
    return {"level": level} | ({"rank": ranked.rank} if ranked is not None and placed else {})


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def _manifest_json(manifest: dict[str, Any]) -> str:
    """Sorted JSON with one file per line: readable in a diff, and written by json's C encoder
    (an indented dump of thousands of entries takes ~0.2 s in its Python one)."""
    files = manifest.pop("files")
    head = _ENCODER.encode(manifest)[:-1]
    encode = _ENCODER.encode  # one encoder: json.dumps with options makes one per call (~9 µs)
    rows = ",\n".join("  " + encode(f) for f in files)
    return f'{head}, "files": [\n{rows}\n]}}\n' if rows else f'{head}, "files": []}}\n'

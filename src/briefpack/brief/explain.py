"""Why a file is in the brief or not: `ls --excluded` and `ls --why`, in `git check-ignore -v` style."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from briefpack.brief.config import find_git_root
from briefpack.brief.pipeline import Built
from briefpack.brief.render import display_path
from briefpack.git import GitError, run_git


def excluded_rows(built: Built) -> list[dict[str, Any]]:
    """Every candidate left out, with its reason and the rule's source, sorted by path."""
    rows = [{"path": s.path, "reason": s.reason, "source": s.source} for s in built.skipped]
    return sorted(rows, key=lambda row: row["path"])


def excluded_line(row: dict[str, Any]) -> str:
    """`path  reason  [source]`."""
    source = f"  [{row['source']}]" if row["source"] and row["source"] not in row["reason"] else ""
    return f"{display_path(row['path'])}  {row['reason']}{source}"


def why(built: Built, path: str) -> dict[str, Any]:
    """Whether `path` (relative to the current folder or the root) is in the brief, and why."""
    rel = _relative(built, path)
    ranked = built.ranks.get(rel)
    placed = (
        {
            "rank": ranked.rank,
            "level": built.levels.get(rel, "full"),
            "signals": list(ranked.reasons),
        }
        if ranked is not None
        else {}
    )
    for section, file_path, tokens in built.file_tokens():
        if file_path == rel:
            return {"path": rel, "included": True, "section": section, "tokens": tokens, **placed}
    if rel in (built.brief.path_only or {}):
        return {"path": rel, "included": True, "section": "tree", "tokens": 0, **placed}
    for row in excluded_rows(built):
        if row["path"] == rel:
            return {
                "path": rel,
                "included": False,
                "reason": row["reason"],
                "source": row["source"],
            }
    return {"path": rel, "included": False, **_not_a_candidate(built, rel)}


def why_line(answer: dict[str, Any]) -> str:
    """One line for `ls --why`."""
    path = display_path(answer["path"])
    if answer["included"] and "rank" in answer:
        signals = ", ".join(answer["signals"]) or "no signal: ranked by path"
        level = {"full": "full text", "outline": "outline", "path": "path only"}[answer["level"]]
        return f"{path}: {level}, rank {answer['rank']} ({answer['tokens']:,} tokens); {signals}"
    if answer["included"]:
        return f"{path}: included in {answer['section']} ({answer['tokens']:,} tokens)"
    source = f" [{answer['source']}]" if answer.get("source") else ""
    return f"{path}: left out: {answer['reason']}{source}"


def _relative(built: Built, path: str) -> str:
    """`path` as given (from the current folder) relative to the briefed folder."""
    full = Path(path) if Path(path).is_absolute() else Path.cwd() / path
    full = full.parent.resolve() / full.name  # resolve folders, not a symlink named by the user
    base = built.root
    if full.is_relative_to(base):
        return full.relative_to(base).as_posix()
    return Path(path).as_posix()


def _not_a_candidate(built: Built, rel: str) -> dict[str, str]:
    base = built.root
    target = base / rel
    if not target.exists() and not target.is_symlink():
        return {"reason": "no such file", "source": ""}
    if target.is_dir():
        return {"reason": "a folder (ask about a file in it)", "source": ""}
    if find_git_root(base) is not None:
        try:
            out = run_git(
                base,
                "check-ignore",
                "-v",
                "--no-index",
                "-z",
                "--stdin",
                input_bytes=rel.encode("utf-8", "surrogateescape") + b"\0",
            )
        except GitError:  # exit 1: not ignored
            out = b""
        fields = [f.decode("utf-8", "surrogateescape") for f in out.split(b"\0")]
        if len(fields) >= 3 and fields[0]:
            return {"reason": "ignored by git", "source": f"{fields[0]}:{fields[1]}:{fields[2]}"}
    return {"reason": "ignored by a .gitignore rule", "source": ".gitignore"}

"""Reports: the summary, `ls` and `stats` as Rich renderables or JSON-ready data."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import fields
from typing import Any

from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from briefpack.brief import Built, display_path, is_command_output, sort_key
from briefpack.tokens import ModelInfo, ModelTable

SECTION_NAMES = {
    "goal": "Goal",
    "format": "Return format",
    "warnings": "Warnings",
    "context": "Context headings",
    "about": "About",
    "tried": "What was tried",
    "notes": "Notes",
    "schema": "Schema",
    "tree": "Directory tree",
    "changes": "What changed recently",
    "files": "Files",
    "restate": "Reminder",
}


def budget_line(built: Built) -> Text:
    """'total 45,251 / 872,000 tokens (5%) · gpt-5.6-sol · o200k_base', coloured by how full."""
    share = built.total / built.budget if built.budget else 1.0
    colour = "green" if share < 0.75 else "yellow" if share <= 1.0 else "bold red"
    line = Text(built.budget_summary())
    start = len("total ")
    line.stylize(colour, start, start + len(f"{built.total:,}"))
    line.stylize("dim", len(line) - len(built.model.encoding) - len(" · "))
    return line


def summary(built: Built, *, top: int = 5) -> Table:
    """Sections and the largest files with their tokens."""
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("section")
    table.add_column("tokens", justify="right")
    table.add_column("files", justify="right")
    files_per = Counter(section for section, _, _ in built.file_tokens())
    for section, tokens in built.section_tokens().items():
        count = str(files_per[section]) if files_per[section] else ""
        table.add_row(SECTION_NAMES.get(section, section), f"{tokens:,}", count)
    largest = sorted(built.file_tokens(), key=lambda item: -item[2])[:top]
    if largest:
        table.add_row("", "", "")
        for _, path, tokens in largest:
            table.add_row(Text("  " + display_path(path), style="dim"), f"{tokens:,}", "")
    return table


def folder_tokens(built: Built) -> dict[str, int]:
    """Tokens of the files under each folder (every ancestor of every file), "" for the root."""
    totals: dict[str, int] = defaultdict(int)
    for _, path, tokens in _files(built):
        parts = path.split("/")[:-1]
        totals[""] += tokens
        for depth in range(1, len(parts) + 1):
            totals["/".join(parts[:depth])] += tokens
    return dict(totals)


def largest(built: Built, *, top: int = 8) -> Table:
    """The largest folders and files with their share of the total: what to exclude first."""
    table = Table(title="largest folders and files", box=None, pad_edge=False, title_justify="left")
    table.add_column("tokens", justify="right")
    table.add_column("share", justify="right")
    table.add_column("path")
    folders = sorted(
        ((p, n) for p, n in folder_tokens(built).items() if p), key=lambda item: -item[1]
    )[:top]
    files = sorted(((p, n) for _, p, n in built.file_tokens()), key=lambda item: -item[1])[:top]
    for path, tokens in folders:
        table.add_row(f"{tokens:,}", f"{tokens / built.total:.0%}", Text(display_path(path) + "/"))
    if folders and files:
        table.add_row("", "", "")
    for path, tokens in files:
        table.add_row(f"{tokens:,}", f"{tokens / built.total:.0%}", Text(display_path(path)))
    return table


TREE_DEPTH = 2  # folders shown by `stats` without --tree
TREE_FILES = 8  # the largest files shown per folder without --tree


def tree(built: Built, *, full: bool = False) -> Tree:
    """The included files as a folder tree, each folder with its token total: folders two deep
    and each one's largest files, with the rest counted (`full`: every folder and file)."""
    totals = folder_tokens(built)
    root = Tree(Text(f"{built.settings.root.name}/ {totals.get('', 0):,}"), guide_style="dim")
    nodes: dict[str, Tree] = {"": root}
    by_folder: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for _, path, tokens in sorted(_files(built), key=lambda item: sort_key(item[1])):
        parts = path.split("/")
        shown = parts[:-1] if full else parts[: min(len(parts) - 1, TREE_DEPTH)]
        for depth in range(1, len(shown) + 1):
            folder = "/".join(parts[:depth])
            if folder not in nodes:
                parent = nodes["/".join(parts[: depth - 1])]
                label = Text(f"{display_path(parts[depth - 1])}/ ", style="bold")
                label.append(f"{totals[folder]:,}", style="cyan")
                label.append(f" {_share(totals[folder], built.total)}", style="dim")
                nodes[folder] = parent.add(label)
        if len(shown) == len(parts) - 1:
            by_folder["/".join(shown)].append((parts[-1], tokens))
    for folder, files in by_folder.items():
        keep = files if full else sorted(files, key=lambda f: -f[1])[:TREE_FILES]
        for name, tokens in sorted(keep):
            leaf = Text(f"{display_path(name)} ")
            leaf.append(f"{tokens:,} {_share(tokens, built.total)}", style="dim")
            nodes[folder].add(leaf)
        if len(keep) < len(files):
            rest = sum(n for _, n in files) - sum(n for _, n in keep)
            nodes[folder].add(Text(f"… {len(files) - len(keep)} more files {rest:,}", style="dim"))
    return root


def _files(built: Built) -> list[tuple[str, str, int]]:
    """The brief's files (not `$ command` dumps, which have no place in a folder tree)."""
    return [item for item in built.file_tokens() if not is_command_output(item[1])]


def _share(tokens: int, total: int) -> str:
    return f"{tokens / total:.0%}" if total else "0%"


def skipped_line(built: Built) -> Text | None:
    """'left out 3 files: binary 1, too large 2', or None. briefpack's own config is not
    counted: it is never meant for a brief (`ls --excluded` still lists it)."""
    skipped = [s for s in built.skipped if s.source != "default:briefpack"]
    if not skipped:
        return None
    kinds = Counter(skip_label(skip.reason) for skip in skipped)
    detail = ", ".join(f"{kind} {n}" for kind, n in kinds.most_common())
    files = "file" if len(skipped) == 1 else "files"
    return Text(f"left out {len(skipped)} {files}: {detail}", style="dim")


def skip_label(reason: str) -> str:
    """A reason's kind, whole: `default: lockfile` -> `lockfile`, `size 2 MB > 1 MB` ->
    `too large`, `unreadable: ...` -> `unreadable`, `note not chosen (--note)` as is."""
    if reason.startswith("default: "):
        return reason.removeprefix("default: ")
    if reason.startswith("size "):
        return "too large"
    return reason.split(":", 1)[0].split(" (", 1)[0]


def ls_rows(built: Built) -> list[dict[str, Any]]:
    """The brief's files in brief order, then those in the tree by path only, for `ls` and
    `ls --json`: each with its level and rank (code files; notes and schema have no rank)."""
    rows = [_row(built, path, tokens, section) for section, path, tokens in built.file_tokens()]
    rows += [_row(built, path, 0, "tree") for path in built.brief.path_only or {}]
    return rows


def _row(built: Built, path: str, tokens: int, section: str) -> dict[str, Any]:
    ranked = built.ranks.get(path)
    return {
        "path": path,
        "tokens": tokens,
        "section": section,
        "level": built.levels.get(path, "full"),
        "rank": ranked.rank if ranked is not None else None,
    }


def ladder_line(built: Built, *, top: int = 5) -> str | None:
    """'fitted by the ladder: 120 files in full, 40 in outline, 2,300 by path only; stepped
    down first: a.py (rank 3, outline), …', or None when every file is in full."""
    levels = Counter(built.levels.values())
    if levels["outline"] == 0 and levels["path"] == 0:
        return None
    demoted = sorted(
        (p for p, lv in built.levels.items() if lv != "full" and p in built.ranks),
        key=lambda p: built.ranks[p].rank,
    )[:top]
    shown = ", ".join(
        f"{display_path(p)} (rank {built.ranks[p].rank}, {built.levels[p]})" for p in demoted
    )
    return (
        f"fitted by the ladder: {levels['full']:,} files in full, {levels['outline']:,} in"
        f" outline, {levels['path']:,} by path only; the best-ranked stepped down: {shown}"
    )


def stats_data(built: Built) -> dict[str, Any]:
    """Everything `stats --json` prints."""
    return {
        "model": built.model.id,
        "encoding": built.model.encoding,
        "total": built.total,
        "budget": built.budget,
        "fits": built.total <= built.budget,
        "sections": built.section_tokens(),
        "files": ls_rows(built),
        "skipped": [
            {"path": s.path, "reason": s.reason, "source": s.source} for s in built.skipped
        ],
        "encoded_files": built.encoded_files,
        "folders": folder_tokens(built),
        "levels": dict(Counter(built.levels.values())),
    }


def stats_table(built: Built, *, top: int) -> Table:
    """Sections, then the top files, for `stats`."""
    return summary(built, top=top)


def models_data(table: ModelTable) -> dict[str, Any]:
    """The model table as JSON-ready data."""
    rows = [{f.name: getattr(info, f.name) for f in fields(info)} for info in table.models.values()]
    return {"date": table.date, "sources": list(table.sources), "models": rows}


def models_table(table: ModelTable) -> Table:
    """The model table for `briefpack models`."""
    grid = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for name in ("model", "window", "max in", "max out", "efforts", "$ in/cached/out", "shutdown"):
        grid.add_column(name, justify="right" if name.startswith(("window", "max")) else "left")
    for info in table.models.values():
        shutdown = Text(info.shutdown or "")
        if info.is_shut_down():
            shutdown = Text(f"{info.shutdown} → {info.successor or '?'}", style="red")
        grid.add_row(
            info.id,
            f"{info.context_window:,}",
            f"{info.input_limit:,}",
            f"{info.max_output:,}",
            " ".join(info.efforts),
            _prices(info),
            shutdown,
        )
    return grid


def _prices(info: ModelInfo) -> str:
    if not info.has_prices:
        return "unknown"
    cached = "-" if info.price_cached is None else f"{info.price_cached:g}"
    return f"{info.price_input:g} / {cached} / {info.price_output:g}"

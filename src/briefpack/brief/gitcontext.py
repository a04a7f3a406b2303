"""Git context for briefs about a change in progress: `--diff` and `--log N`."""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefpack.brief.config import Config, find_git_root
from briefpack.brief.discover import IGNORE_FILE, discover
from briefpack.brief.parts import Doc
from briefpack.brief.read import HARD_LIMIT, SourceFile, from_bytes
from briefpack.brief.render import display_path
from briefpack.errors import BriefpackError
from briefpack.git import run_git, run_git_full, split_z


@dataclass(frozen=True)
class Changes:
    """The docs for the brief's "What changed recently" section, and the paths the diff touches."""

    docs: tuple[Doc, ...] = ()
    paths: frozenset[str] = frozenset()


def git_changes(
    root: Path,
    *,
    diff: bool,
    log: int,
    within: Collection[str] = (),
    admit: Callable[[Sequence[str]], Collection[str]] = lambda gone: (),
    staged: bool = False,
) -> Changes:
    """The diff against HEAD of the files `within` the brief (paths relative to `root`; what
    the brief leaves out stays out of its diff too), and the last `log` commit messages.

    Files deleted or renamed away are named, never shown (their old text is not checked as
    the brief's files are): those of them `admit` passes (the paths the brief would carry).
    `staged`: the index against HEAD only (a snapshot is what is staged, nothing else).
    """
    if not diff and not log:
        return Changes()
    if find_git_root(root) is None:
        raise BriefpackError("--diff and --log need a git repository", hint="run inside one")
    docs: list[Doc] = []
    paths: frozenset[str] = frozenset()
    has_head = _has_head(root)
    if diff:
        # no commit yet: the staged changes, then the unstaged ones (a snapshot: staged only)
        bases = [["--cached"]] if staged else [["HEAD"]] if has_head else [["--cached"], []]
        names: set[str] = set()
        for base in bases:
            names.update(
                split_z(run_git(root, "diff", "--name-only", "-z", "--relative", *base, "--", "."))
            )
        paths = frozenset(names & set(within))
        text = "".join(_diff_text(root, base, sorted(paths)) for base in bases)
        if text.strip():
            docs.append(Doc("git diff" + (" HEAD" if has_head else ""), text))
        gone = _gone(root, bases[0], within, admit) if has_head else ""
        if gone:
            docs.append(Doc("git diff --name-status HEAD (deleted, renamed)", gone))
    if log and has_head:
        out = run_git(
            root, "log", f"-n{log}", "--no-color", "--date=short", "--format=%h %ad %an%n%n%B", "--"
        )
        docs.append(Doc(f"git log -n {log}", _text(out)))
    return Changes(tuple(docs), paths)


def admitted(
    root: Path,
    config: Config,
    gone: Sequence[str],
    carried: Callable[[str], bool],
    max_size: int | None,
) -> list[str]:
    """Of the paths deleted or renamed away (relative to `root`), those the brief would carry
    if they were there: not ignored by git; past every `.briefpackignore` on disk (those a rule
    of ours leaves out too), and under none that is gone since HEAD; past the excludes and
    defaults; `carried` (include, a note chosen); their text at HEAD neither binary nor too
    large. When in doubt, none."""
    gone = [p for p in gone if "\n" not in p and not _through_link(root, p)]
    if not gone:
        return []
    ask = b"".join(os.fsencode(p) + b"\0" for p in gone)
    try:
        out, _ = run_git_full(
            root, "check-ignore", "--no-index", "-z", "--stdin", input_bytes=ask, ok=(0, 1)
        )
    except BriefpackError:
        return []
    ignored = set(split_z(out))
    rules = [f"*{IGNORE_FILE}", IGNORE_FILE]
    listed = split_z(run_git(root, "ls-files", "-z", "-co", "--exclude-standard", "--", *rules))
    here = [p for p in listed if (root / p).is_file()]
    at_head = split_z(run_git(root, "ls-tree", "-r", "-z", "--name-only", "HEAD", "--", "."))
    was = {p for p in at_head if p.rpartition("/")[2] == IGNORE_FILE} | set(listed)
    lost = {p.rpartition("/")[0] for p in was - set(here)}  # their rules: unknown now
    rest = [
        p for p in gone if p not in ignored and not any(_under(p, d) for d in lost) and carried(p)
    ]
    found = discover(
        root, config, default_excludes=config.default_excludes, candidates=[*here, *rest]
    )
    kept = sorted(set(found.paths) & set(rest))
    texts = _at_head(root, kept, max_size)
    return [
        p
        for p in kept
        if isinstance(from_bytes(p, texts.get(p, b"\0"), max_size=max_size), SourceFile)
    ]


def _through_link(root: Path, path: str) -> bool:
    """Whether a folder on the way to `path` is now a symbolic link (git lists nothing there)."""
    parts = path.split("/")[:-1]
    return any((root / "/".join(parts[: i + 1])).is_symlink() for i in range(len(parts)))


def _at_head(root: Path, paths: Sequence[str], max_size: int | None) -> dict[str, bytes]:
    """The text at HEAD of each of `paths` that is a blob within `max_size` (and HARD_LIMIT)."""
    limit = min(max_size, HARD_LIMIT) if max_size is not None else HARD_LIMIT
    names = "".join(f"HEAD:./{p}\n" for p in paths).encode("utf-8", "surrogateescape")
    checked = run_git(root, "cat-file", "--batch-check", input_bytes=names)
    sizes = [line.decode("ascii", "replace") for line in checked.split(b"\n")[: len(paths)]]
    small = [
        p
        for p, line in zip(paths, sizes, strict=True)
        if line.split()[1:2] == ["blob"] and int(line.split()[2]) <= limit
    ]
    wanted = "".join(f"HEAD:./{p}\n" for p in small).encode("utf-8", "surrogateescape")
    out = run_git(root, "cat-file", "--batch", input_bytes=wanted) if small else b""
    texts: dict[str, bytes] = {}
    at = 0
    for p in small:
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        texts[p] = out[header_end + 1 : header_end + 1 + size]
        at = header_end + 1 + size + 1  # content, then a newline
    return texts


def _under(path: str, folder: str) -> bool:
    return not folder or path.startswith(folder + "/")


def _gone(
    root: Path,
    base: list[str],
    within: Collection[str],
    admit: Callable[[Sequence[str]], Collection[str]],
) -> str:
    """`deleted: PATH` and `renamed: OLD -> NEW` lines for the paths the brief would carry
    (`admit`); a file renamed to a path the brief leaves out is deleted, as far as it goes."""
    listed = split_z(run_git(root, "diff", "--name-status", "-M", "-z", "--relative", *base))
    moves: list[tuple[str, str]] = []  # (old path, new path or "")
    at = 0
    while at < len(listed):
        status = listed[at]
        if status[:1] in ("R", "C"):
            if status[:1] == "R":
                moves.append((listed[at + 1], listed[at + 2]))
            at += 3
        else:
            if status == "D":
                moves.append((listed[at + 1], ""))
            at += 2
    # a file still carried (untracked since) is not gone; one renamed out of the brief is
    moves = [(old, new if new in within else "") for old, new in moves if old not in within]
    kept = set(admit([old for old, _ in moves]))
    shown = display_path  # a path is one line, whatever it holds
    lines = [
        f"renamed: {shown(old)} -> {shown(new)}" if new else f"deleted: {shown(old)}"
        for old, new in moves
        if old in kept
    ]
    return "".join(line + "\n" for line in lines)


def _diff_text(root: Path, base: list[str], paths: list[str]) -> str:
    """The diff of exactly `paths`, as literal pathspecs, in batches that fit a command line."""
    text = ""
    for at in range(0, len(paths), _BATCH):
        batch = [f":(literal){p}" for p in paths[at : at + _BATCH]]
        text += _text(run_git(root, "diff", "--no-color", "--no-ext-diff", *base, "--", *batch))
    return text


_BATCH = 500  # pathspecs per git call: far below any system's argument limit


def _has_head(root: Path) -> bool:
    try:
        run_git(root, "rev-parse", "--verify", "-q", "HEAD")
    except BriefpackError:
        return False
    return True


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")

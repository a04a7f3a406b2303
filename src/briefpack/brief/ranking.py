"""Ranking a brief's code files: the query it is about, the pins, the diff, recent history, and
the profiles (cached by content), handed to the pure ranker in select/."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pathspec

from briefpack.brief.config import Config, find_git_root
from briefpack.brief.fitcache import rank_key, recall_ranks, remember_ranks
from briefpack.brief.guard import keeps_texts
from briefpack.brief.parts import Brief, Doc, ReadTexts, Unread
from briefpack.errors import BriefpackError
from briefpack.git import run_git, split_z
from briefpack.select.central import CentralCache, centrality
from briefpack.select.past import CO_CHANGE_MAX_FILES, Commit
from briefpack.select.profile import Profile, ProfileCache, profile_key, profiles
from briefpack.select.rank import Query, Ranked, rank_files
from briefpack.tokens.count import digest
from briefpack.tokens.progress import SILENT, Progress

RECENT_COMMITS = 300  # how far back "changed lately" looks, for a goal-free ranking
HISTORY_COMMITS = 1000  # how far back "changed together" looks, for a ranking by a goal


def rank_brief(
    root: Path,
    brief: Brief,
    config: Config,
    *,
    recent: dict[str, int] | None = None,
    history: Sequence[Commit] = (),
    progress: Progress = SILENT,
    read: ReadTexts | None = None,
) -> list[Ranked]:
    """The brief's code files, best first. `recent`: how often each file changed lately, for a
    goal-free ranking; `history`: each recent commit's files, for a ranking by a goal (neither
    for a snapshot: the same staged tree must rank the same before and after its commit);
    `read`: the texts of unread files whose profiles the cache lacks."""
    paths = [d.path for d in brief.files]
    if not paths:
        return []
    text = query_text(brief)
    query = Query(
        text=text,
        changed=brief.changed,
        pinned=pin_order(paths, config),
        recent=recent,
        history=history,
    )
    cache = ProfileCache.for_root(root) if keeps_texts(config) else None
    if text.strip() or cache is None:
        found = _profiles(brief.files, cache, read, progress)
        ranked = rank_files(paths, found, query)
    else:  # without a goal, centrality kept from the last build: the changed files' profiles
        used = _centrality(root, brief.files, cache, read)
        key = rank_key([paths, used, query.pinned, sorted(query.changed), query.recent])
        kept = recall_ranks(root, key)  # the same paths and centrality: the last ranking
        ranked = kept if kept is not None else rank_files(paths, [], query, used=used)
        if kept is None:
            remember_ranks(root, key, ranked)
        progress.advance(len(paths))
    if cache is not None:
        cache.save()
    return ranked


FEW = 64  # changed files whose profiles are made, not looked up (see ProfileCache.made_now)


def _centrality(
    root: Path, files: Sequence[Doc | Unread], cache: ProfileCache, read: ReadTexts | None
) -> list[int]:
    """Each file's centrality (select/central.py), asking for profiles only where needed."""

    def profiles_of(indexes: Sequence[int]) -> list[Profile]:
        asked = [files[i] for i in indexes]
        docs = [d for d in asked if isinstance(d, Doc)]
        if len(asked) <= FEW and len(docs) == len(asked):
            return [cache.made_now(d.path, d.text) for d in docs]
        return _profiles(asked, cache, read)

    keys = [
        profile_key(d.path, d.digest if isinstance(d, Unread) else digest(d.text)) for d in files
    ]
    kept = CentralCache.for_root(root)
    used = centrality([d.path for d in files], keys, profiles_of, kept)
    kept.save()
    return used


def _profiles(
    files: Sequence[Doc | Unread],
    cache: ProfileCache | None,
    read: ReadTexts | None,
    progress: Progress = SILENT,
) -> list[Profile]:
    """Each file's profile: an unread file's from the cache by its digest, or from its text.
    `progress` advances by each file, held or made."""
    held: dict[str, Profile] = {}
    for d in files:
        found = cache.held(d.path, d.digest) if isinstance(d, Unread) and cache else None
        if found is not None:
            held[d.path] = found
    lacking = [d.path for d in files if isinstance(d, Unread) and d.path not in held]
    loaded: dict[str, Doc] = {}
    if lacking:
        assert read is not None, "unread files come with a way to read them"
        loaded = read(lacking)
    docs = [loaded[d.path] if isinstance(d, Unread) else d for d in files if d.path not in held]
    progress.advance(len(held))
    made = profiles([d.path for d in docs], [d.text for d in docs], cache, progress)
    held |= dict(zip([d.path for d in docs], made, strict=True))
    return [held[d.path] for d in files]


def query_text(brief: Brief) -> str:
    """What the brief is about: its goal, warnings and what was tried (the diff's text is a
    signal of its own: its files are `changed`)."""
    return "\n".join([brief.goal, *brief.warnings, brief.tried]).strip()


def pin_order(paths: Sequence[str], config: Config) -> tuple[str, ...]:
    """Paths matching a `full` or `priority` glob, in the globs' order: they rank first."""
    found: dict[str, None] = {}
    for glob in [*config.full, *config.priority]:
        spec = pathspec.GitIgnoreSpec.from_lines([glob])
        found.update(dict.fromkeys(p for p in paths if spec.match_file(p)))
    return tuple(found)


def pinned_paths(paths: Sequence[str], config: Config) -> frozenset[str]:
    """The pinned paths: always in full text, or an error when they cannot fit."""
    return frozenset(pin_order(paths, config))


def recent_changes(root: Path) -> dict[str, int]:
    """Path (relative to `root`) -> how many of the last commits touched it; empty outside git
    or before the first commit."""
    return dict(Counter(p for c in commit_history(root, RECENT_COMMITS) for p in c.files))


def commit_history(
    root: Path, commits: int = HISTORY_COMMITS, *, sweeps: bool = True
) -> tuple[Commit, ...]:
    """The last `commits` commits (merges aside), newest first: the files (relative to `root`)
    each touched, and its message; empty outside git or before the first commit.
    `sweeps=False` leaves out the commits that touched more than CO_CHANGE_MAX_FILES files in the
    whole repository (a rename, a reformat: no sign that two files go together), whatever part
    of them is under `root`."""
    top = find_git_root(root)
    if top is None:
        return ()
    try:
        out = run_git(
            top,
            "log",
            f"-n{commits}",
            "--no-merges",
            "--no-show-signature",  # log.showSignature would run gpg on each commit
            "--format=%x01%B%x02",
            "--name-only",
            "-z",
            "--no-renames",
        )
    except BriefpackError:
        return ()
    under = Path(os.path.relpath(root.resolve(), top.resolve())).as_posix()
    prefix = "" if under == "." else under + "/"
    found = []
    for chunk in out.split(b"\x01")[1:]:
        message, _, listed = chunk.partition(b"\x02")
        files = [p.strip("\n") for p in split_z(listed) if p.strip("\n")]
        if not files or (not sweeps and len(files) > CO_CHANGE_MAX_FILES):
            continue
        here = frozenset(f[len(prefix) :] for f in files if f.startswith(prefix))
        if here:
            found.append(Commit(here, message.decode("utf-8", "replace").strip()))
    return tuple(found)

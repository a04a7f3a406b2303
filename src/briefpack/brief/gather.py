"""Gathering: which file plays which part in the brief (about, notes, schema, code), read from
the work tree or from what is staged (brief/reader.py), in brief order."""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import pathspec

from briefpack.brief.config import Config, Settings
from briefpack.brief.discover import Skip, discover
from briefpack.brief.gitcontext import admitted, git_changes
from briefpack.brief.parts import Brief, Doc, Unread
from briefpack.brief.read import SourceFile, read_files
from briefpack.brief.reader import Reader
from briefpack.brief.schema import run_schema_commands
from briefpack.errors import BriefpackError
from briefpack.tokens.progress import SILENT, Progress


def gather(
    root: Path,
    settings: Settings,
    paths: Sequence[str],
    max_size: int | None,
    reader: Reader,
    progress: Progress = SILENT,
) -> tuple[Brief, list[Skip], list[str]]:
    """The brief's parts, each path read in the part its role gives it; what is left out, and
    why; notices to show (a file not UTF-8, a glob matching nothing, a schema command failed)."""
    config = settings.config
    about_path = _config_relative(settings, root, config.about)
    notes_spec = _spec(config.notes or (f"{config.notes_dir.rstrip('/')}/**",))
    schema_spec = _spec(config.schema)
    include_spec = _spec(config.include)
    roles: dict[str, str] = {}
    skipped: list[Skip] = []
    as_config = _config_path(settings.root, root)
    for path in paths:
        if path == about_path:
            continue
        outside = path.startswith("../")
        if notes_spec(as_config(path)):
            if _chosen_note(path, config.use_notes):
                roles[path] = "notes"
            else:
                skipped.append(Skip(path, "note not chosen (--note)", "use_notes"))
        elif config.schema and schema_spec(as_config(path)):
            roles[path] = "schema"
        elif outside:
            continue  # the config folder's other files are not this brief's
        elif config.include and not include_spec(path):
            skipped.append(Skip(path, "not included", "include"))
        else:
            roles[path] = "files"
    progress.start("reading", len(roles))
    code = {p for p, role in roles.items() if role == "files"}
    files, not_read = reader.read(list(roles), max_size, progress, unread=code)
    skipped.extend(not_read)
    notices = [f"{f.path}: {f.note}" for f in files if f.note]
    notes = [p for p, role in roles.items() if role == "notes"]
    notices += _unmatched(config, [as_config(p) for p in paths], notes)
    within = {f.path for f in files} | ({about_path} if about_path else set())

    def carried(path: str) -> bool:
        """Whether `path` would have a part in this brief (a note chosen, schema, a file)."""
        if notes_spec(as_config(path)):
            return _chosen_note(path, config.use_notes)
        if config.schema and schema_spec(as_config(path)):
            return True
        return not config.include or include_spec(path)

    changes = git_changes(
        root,
        diff=config.diff,
        log=config.log,
        within=within,
        admit=lambda gone: admitted(root, config, gone, carried, max_size),
        staged=reader.entries is not None,
    )
    if config.schema_commands:
        progress.start("running schema commands")
    dumps, failures = run_schema_commands(
        config.schema_commands, settings.root, config.schema_timeout
    )
    for failure in failures:
        message = f"schema command failed: {failure.command}: {failure.reason}"
        if config.strict:
            raise BriefpackError(message, hint="fix the command, or drop it from schema_commands")
        notices.append(message + " (the brief goes on without it)")
    by_role: dict[str, list[Doc]] = defaultdict(list)
    sources: list[Doc | Unread] = []  # the code files
    for f in files:
        doc = f if isinstance(f, Unread) else Doc(f.path, f.text)
        if roles[f.path] == "files":
            sources.append(doc)
        elif isinstance(doc, Doc):
            by_role[roles[f.path]].append(doc)
    brief = Brief(
        goal=config.goal,
        format=config.format,
        warnings=config.warnings,
        about=_about(settings, about_path, reader),
        tried=_tried(settings, reader),
        notes=tuple(by_role["notes"]),
        schema=(*by_role["schema"], *dumps),
        files=_ordered(sources, config, changes.paths),
        changes=changes.docs,
        changed=changes.paths,
        restate=config.restate,
    )
    return brief, skipped, notices


def _config_path(top: Path, root: Path) -> Callable[[str], str]:
    """A path relative to `root` as the config (in `top`) names it: its globs are relative to
    its own folder, wherever the command runs."""
    if top == root or not root.is_relative_to(top):
        return lambda path: path
    prefix = root.relative_to(top).as_posix() + "/"
    return lambda path: os.path.normpath(prefix + path) if path.startswith("../") else prefix + path


def _unmatched(config: Config, paths: Sequence[str], notes: Sequence[str]) -> list[str]:
    """Warnings for what names nothing: a `notes` or `include` glob no file matches, a
    `--note NAME` no note has (a typo would otherwise pass in silence)."""
    said = []
    for key, globs in (("notes", config.notes), ("include", config.include)):
        for glob in globs:
            spec = _spec([glob])
            if not any(spec(p) for p in paths):
                said.append(f"{key} glob {glob!r} matches no file")
    for name in config.use_notes:
        if not any(_chosen_note(p, [name]) for p in notes):
            said.append(f"--note {name!r} matches no note")
    return said


def _chosen_note(path: str, names: Sequence[str]) -> bool:
    """With `--note NAME`, only notes named so (by path, file name or file stem) go in."""
    name = path.rsplit("/", 1)[-1]
    return not names or any(n in (path, name, name.rsplit(".", 1)[0]) for n in names)


def _ordered(
    files: Sequence[Doc | Unread], config: Config, changed: frozenset[str]
) -> tuple[Doc | Unread, ...]:
    """`files` (in path order, as discovered), except that what matters most comes last,
    closest to where the model reads best: files matching `priority`, files the goal names,
    files in `--diff`."""
    if not (config.priority or config.goal or changed):
        return tuple(files)
    priority = _spec(config.priority)
    goal = config.goal

    def last(path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        named = path in goal or (len(name) > 3 and name in goal)
        return bool(config.priority and priority(path)) or named or path in changed

    later = [last(d.path) for d in files]
    return (
        *(d for d, late in zip(files, later, strict=True) if not late),
        *(d for d, late in zip(files, later, strict=True) if late),
    )


def _spec(patterns: Sequence[str]) -> Callable[[str], bool]:
    """Whether a path matches these gitignore-style globs. Asked of every path: with no
    negated glob, that is whether any glob's regex finds it (what pathspec decides then, without
    its normalising of each path, which is half the time of a build's gathering)."""
    spec = pathspec.GitIgnoreSpec.from_lines(patterns)
    active = [p for p in spec.patterns if p.include is not None]
    searches = [p.regex.search for p in active if p.include and p.regex is not None]
    if len(searches) < len(active):
        return spec.match_file
    if len(searches) == 1:
        search = searches[0]
        return lambda path: search(path) is not None
    return lambda path: any(search(path) is not None for search in searches)


def _config_relative(settings: Settings, root: Path, value: str) -> str | None:
    """A config path (relative to the config file's folder) as a path relative to `root`."""
    if not value:
        return None
    full = (settings.root / value).resolve()
    return full.relative_to(root).as_posix() if full.is_relative_to(root) else str(full)


def _read_named(settings: Settings, key: str, value: str, reader: Reader) -> SourceFile:
    """A file named in config: from the index when reading staged content and it is there."""
    rel = _config_relative(settings, reader.root, value)
    if reader.entries is not None and rel in reader.entries:
        staged, _ = reader.read([rel], None)
        if staged and isinstance(staged[0], SourceFile):
            return staged[0]
    full = settings.root / value
    files, skipped = read_files(full.parent, [full.name], max_size=None)
    if not files:
        reason = skipped[0].reason if skipped else "no such file"
        raise BriefpackError(f"{key} = {value!r}: {reason}", hint=f"fix '{key}' in .briefpack.toml")
    return files[0]


def _about(settings: Settings, about_path: str | None, reader: Reader) -> Doc | None:
    about = settings.config.about
    if not about or about_path is None:
        return None
    return Doc(about_path, _read_named(settings, "about", about, reader).text)


def _tried(settings: Settings, reader: Reader) -> str:
    config = settings.config
    parts = [config.tried.strip()] if config.tried.strip() else []
    if config.tried_file:
        parts.append(_read_named(settings, "tried_file", config.tried_file, reader).text.strip())
    return "\n\n".join(parts)


def config_folder_files(settings: Settings, root: Path, *, staged: bool) -> list[str]:
    """Briefing a subfolder, the files of the config's folder outside it (as `../notes/a.md`):
    the config's notes and schema are the repository's, wherever the command runs (gather
    takes only those). A snapshot is always of its config's folder."""
    config = settings.config
    top = settings.root
    if staged or settings.path is None or top == root or not root.is_relative_to(top):
        return []
    inside = root.relative_to(top).as_posix() + "/"
    found = discover(top, config, default_excludes=config.default_excludes)
    return [os.path.relpath(top / p, root) for p in found.paths if not p.startswith(inside)]


def snapshot_files(settings: Settings, root: Path) -> set[str]:
    """The snapshot and its manifest, relative to `root`: never part of a brief."""
    snapshot = (settings.root / settings.config.snapshot_path).resolve()
    found = set()
    for path in (snapshot, snapshot.with_suffix(".json")):
        if path.is_relative_to(root):
            found.add(path.relative_to(root).as_posix())
        else:  # a subfolder's brief: the config folder's files are named from it as ../
            found.add(os.path.relpath(path, root))
    return found

"""The snapshot's stability and `.git` growth over real history: consecutive commits replayed.

A temporary clone (sharing the corpus's objects; `--no-local` copies them) is checked out at the
parent of the start commit, `briefpack hook install` is run there (the briefpack beside this
Python), and a first commit writes the first snapshot (timed, its loose objects measured). Then
each of the next N first-parent commits is replayed: the paths it changed are taken from it
(`git checkout <commit> -- paths`, `git rm` for deletions) and `git commit` runs with its message,
firing the real hook. A second clone without the hook replays the same commits, for the cost of a
commit without it. Per commit: the files it changed (renames counted once), the snapshot's file
segments whose text changed (a file's level or text changed, or it came or went, path-only files
aside), those of files the commit did not change ("induced"), level changes, rank changes in
the manifest, the directory tree's changed lines, commit times, and the loose object bytes added
to `.git` (of which the snapshot's two blobs, and objects the commit does not reach: written and
left for `gc`). Then the medians, against issue 20's targets: changed segments <= 2 x files
changed, <= 1 MB of loose objects per commit from the snapshot (with minus without the hook).
--budget N commits `snapshot_budget = N` in the clone's .briefpack.toml with the first snapshot.
Run: .venv/bin/python bench/snapshot_replay.py [--repo PATH] [-n N] [--start REV] [--budget N]
     [--keep] [--no-local] [--no-baseline] [--json PATH]
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CONTEXT = ".briefpack/context.md"
MANIFEST = ".briefpack/context.json"
TREE_HEADING = "\n## Directory tree\n\n"
OUR_PATHS = (":(exclude).briefpack", ":(exclude).briefpack.toml")


def git(repo: Path, *args: str, env: dict[str, str], stdin: str | None = None) -> str:
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, input=stdin, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"git {' '.join(args)} failed in {repo}:\n{done.stderr}")
    return done.stdout


@dataclass(frozen=True)
class Snap:
    """What one snapshot holds: its manifest rows by path, its tree's text, its size."""

    rows: dict[str, dict[str, Any]]
    tree: str
    tokens: int
    size: int

    @classmethod
    def read(cls, repo: Path) -> Snap:
        manifest = json.loads((repo / MANIFEST).read_text())
        data = (repo / CONTEXT).read_bytes()
        rows = {row["path"]: row for row in manifest["files"]}
        text = data.decode(errors="surrogateescape")
        return cls(rows, _tree(text), manifest["total_tokens"], len(data))


def _tree(text: str) -> str:
    """The directory tree's fenced text in a Markdown snapshot ('' when there is none)."""
    at = text.find(TREE_HEADING)
    if at < 0:
        return ""
    start = at + len(TREE_HEADING)
    opening = text[start : text.index("\n", start)]
    fence = opening[: len(opening) - len(opening.lstrip("`"))]
    end = text.find("\n" + fence + "\n", start)
    return text[start:end]


def _segment(row: dict[str, Any] | None) -> tuple[str, str] | None:
    """What a file's segment is made of (level, text digest); None when it has none."""
    if row is None or row.get("level") == "path":
        return None
    return row.get("level", "full"), row.get("digest", row.get("sha256", ""))  # manifest v3, v2


@dataclass
class Step:
    """One replayed commit, measured."""

    commit: str
    subject: str
    files: int  # files the commit changed (renames once)
    touched: list[str]  # paths it changed (a rename's both sides)
    segments: int = 0  # file segments whose text changed
    induced: int = 0  # of those, of files the commit did not change
    levels: dict[str, int] = field(default_factory=dict)  # "full>outline" -> files
    moved: list[list[Any]] = field(default_factory=list)  # [path, level, rank] before and after
    ranks: int = 0  # manifest rows whose rank changed
    tree_lines: int = 0  # lines of the tree added or removed
    seconds: float = 0.0  # git commit with the hook
    bare_seconds: float | None = None  # the same commit without it
    loose: int = 0  # loose object bytes the commit added
    bare_loose: int | None = None
    snapshot_loose: int = 0  # of which the context and manifest blobs
    orphan_loose: int = 0  # of which objects the commit does not reach
    tokens: int = 0
    size: int = 0


def compare(before: Snap, after: Snap, step: Step) -> None:
    """Fill `step`'s segment, level, rank and tree counts from two snapshots."""
    touched = set(step.touched)
    levels: Counter[str] = Counter()
    for path in before.rows.keys() | after.rows.keys():
        old, new = before.rows.get(path), after.rows.get(path)
        if _segment(old) != _segment(new):
            step.segments += 1
            step.induced += path not in touched
        old_level = old.get("level") if old else None
        new_level = new.get("level") if new else None
        if old and new and old_level != new_level:
            levels[f"{old_level}>{new_level}"] += 1
            if path not in touched:
                step.moved.append([path, old_level, old.get("rank"), new_level, new.get("rank")])
        if old and new and old.get("rank") != new.get("rank"):
            step.ranks += 1
    step.levels = dict(levels)
    diff = difflib.ndiff(before.tree.splitlines(), after.tree.splitlines())
    step.tree_lines = sum(1 for line in diff if line[:1] in "+-")
    step.tokens, step.size = after.tokens, after.size


class Clone:
    """A replay clone: its history follows the corpus's, commit by commit."""

    def __init__(self, corpus: Path, where: Path, env: dict[str, str], *, copy: bool) -> None:
        self.repo, self.env = where, env
        how = "--no-local" if copy else "--shared"
        subprocess.run(
            ["git", "clone", "-q", how, "--no-checkout", str(corpus), str(where)], check=True
        )
        # a `gc --auto` would pack the loose objects being measured
        git(where, "config", "gc.auto", "0", env=env)
        self.objects = Path(git(where, "rev-parse", "--git-path", "objects", env=env).strip())
        if not self.objects.is_absolute():
            self.objects = where / self.objects

    def loose(self) -> dict[str, int]:
        """Loose object name -> bytes on disk."""
        found = {}
        for folder in self.objects.iterdir():
            if len(folder.name) == 2 and folder.is_dir():
                for entry in os.scandir(folder):
                    found[folder.name + entry.name] = entry.stat().st_size
        return found

    def take(self, commit: str, parent: str) -> None:
        """Stage `commit`'s change over `parent` (both the corpus's) in the work tree."""
        out = git(
            self.repo, "diff", "--name-status", "--no-renames", "-z", parent, commit, env=self.env
        )
        fields = out.split("\0")[:-1]
        pairs = list(zip(fields[::2], fields[1::2], strict=True))
        gone = [p for status, p in pairs if status == "D"]
        came = [p for status, p in pairs if status != "D"]
        if gone:
            self._pathspec("rm", "-q", "-f", paths=gone)
        if came:
            self._pathspec("checkout", commit, paths=came)

    def _pathspec(self, *args: str, paths: list[str]) -> None:
        listed = "\0".join(paths) + "\0"
        spec = ("--pathspec-from-file=-", "--pathspec-file-nul")
        git(self.repo, "--literal-pathspecs", *args, *spec, env=self.env, stdin=listed)

    def commit(self, message: str, *, hook: bool) -> tuple[float, int, dict[str, int]]:
        """`git commit` (the hook fires unless `hook` is false): seconds, loose bytes added, and
        the new loose objects."""
        before = self.loose()
        off = [] if hook else ["-c", "core.hooksPath=/dev/null"]
        args = ["git", *off, "commit", "-q", "--allow-empty", "--allow-empty-message", "-F", "-"]
        start = time.perf_counter()
        done = subprocess.run(
            args, cwd=self.repo, env=self.env, input=message, capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        if done.returncode or "snapshot failed" in done.stderr:
            raise SystemExit(f"commit failed in {self.repo}:\n{done.stderr}")
        added = {k: v for k, v in self.loose().items() if k not in before}
        return seconds, sum(added.values()), added

    def same_as(self, commit: str) -> None:
        """The replayed tree is the corpus's, but for the snapshot and its config."""
        env = self.env
        done = subprocess.run(
            ["git", "diff", "--quiet", commit, "HEAD", "--", ".", *OUR_PATHS],
            cwd=self.repo,
            env=env,
        )
        if done.returncode:
            raise SystemExit(f"replay of {commit} differs from it in {self.repo}")


def replayed(corpus: Path, n: int, start: str | None, env: dict[str, str]) -> list[list[str]]:
    """[commit, first parent, is-merge] of the first-parent commits to replay, oldest first: from
    `start`, or back from HEAD until N of them are not merges (merges are replayed, not counted)."""
    lines = git(corpus, "rev-list", "--first-parent", "--parents", "HEAD", env=env).splitlines()
    line = [row.split() for row in reversed(lines)]  # oldest first
    if start is not None:
        first = git(corpus, "rev-parse", "--verify", start + "^{commit}", env=env).strip()
        at = next((i for i, row in enumerate(line) if row[0] == first), None)
        if at is None:
            raise SystemExit(f"{start} is not on HEAD's first-parent line")
    else:
        plain = [i for i, row in enumerate(line) if len(row) == 2]
        at = plain[-n] if len(plain) >= n else plain[0]
    chosen, counted = [], 0
    for row in line[at:]:
        if counted == n:
            break
        merge = len(row) > 2
        chosen.append([row[0], row[1], "merge" if merge else ""])
        counted += not merge
    return chosen


def files_changed(
    corpus: Path, commit: str, parent: str, env: dict[str, str]
) -> tuple[int, list[str]]:
    """How many files the commit changed (a rename once), and every path it touched."""
    named = git(corpus, "diff", "--name-only", "-M", "-z", parent, commit, env=env).split("\0")[:-1]
    every = git(corpus, "diff", "--name-only", "--no-renames", "-z", parent, commit, env=env).split(
        "\0"
    )[:-1]
    return len(named), every


def setup(
    clone: Clone, parent: str, budget: int | None, briefpack: Path | None
) -> dict[str, float]:
    """Check out `parent`, install the hook (unless None), write the config, and make the first
    commit: its seconds, loose bytes, those of the snapshot's two blobs and those left over."""
    git(clone.repo, "checkout", "-q", "-b", "replay", parent, env=clone.env)
    if budget is not None:
        (clone.repo / ".briefpack.toml").write_text(f"snapshot_budget = {budget}\n")
        git(clone.repo, "add", ".briefpack.toml", env=clone.env)
    installed = 0.0
    if briefpack is not None:  # `hook install` writes the first snapshot (not staged)
        start = time.perf_counter()
        subprocess.run(
            [str(briefpack), "hook", "install"],
            cwd=clone.repo,
            env=clone.env,
            check=True,
            capture_output=True,
        )
        installed = time.perf_counter() - start
    seconds, loose, added = clone.commit("briefpack: first snapshot", hook=briefpack is not None)
    if briefpack is None:
        return {"bare_seconds": seconds, "bare_loose": loose}
    snapshot, orphan = snapshot_bytes(clone, added), orphan_bytes(clone, added)
    return {
        "install_seconds": installed,
        "seconds": seconds,
        "loose": loose,
        "snapshot": snapshot,
        "orphan": orphan,
    }


def snapshot_bytes(clone: Clone, added: dict[str, int]) -> int:
    """Loose bytes of the snapshot's context and manifest blobs among `added`."""
    ids = git(clone.repo, "rev-parse", f"HEAD:{CONTEXT}", f"HEAD:{MANIFEST}", env=clone.env).split()
    return sum(added.get(i, 0) for i in ids)


def orphan_bytes(clone: Clone, added: dict[str, int]) -> int:
    """Loose bytes among `added` that the new commit does not reach: objects written and left
    (git's garbage, kept loose until `gc` prunes it, two weeks later by default)."""
    listed = git(clone.repo, "rev-list", "--objects", "HEAD", "--not", "HEAD^", env=clone.env)
    reached = {line[:40] for line in listed.splitlines()}
    return sum(size for name, size in added.items() if name not in reached)


def replay(args: argparse.Namespace, tmp: Path) -> tuple[list[Step], dict[str, float]]:
    """Set both clones up, replay the commits into them; the steps and the first snapshot's
    figures."""
    env = _env(tmp)
    chosen = replayed(args.repo, args.n, args.start, env)
    briefpack = Path(sys.executable).with_name("briefpack")
    hooked = Clone(args.repo, tmp / "hooked", env, copy=args.no_local)
    bare = None if args.no_baseline else Clone(args.repo, tmp / "bare", env, copy=args.no_local)
    first = setup(hooked, chosen[0][1], args.budget, briefpack)
    if bare is not None:
        first |= setup(bare, chosen[0][1], args.budget, None)
    before = Snap.read(hooked.repo)
    first["tokens"], first["size"], first["files"] = before.tokens, before.size, len(before.rows)
    steps = []
    for commit, parent, merge in chosen:
        message = git(args.repo, "log", "-1", "--format=%B", commit, env=env)
        files, touched = files_changed(args.repo, commit, parent, env)
        step = Step(commit[:10] + ("m" if merge else ""), message.split("\n")[0], files, touched)
        if bare is not None:  # first, so that the hooked commit does not warm its files
            bare.take(commit, parent)
            step.bare_seconds, step.bare_loose, _ = bare.commit(message, hook=False)
        hooked.take(commit, parent)
        step.seconds, step.loose, added = hooked.commit(message, hook=True)
        hooked.same_as(commit)
        step.snapshot_loose = snapshot_bytes(hooked, added)
        step.orphan_loose = orphan_bytes(hooked, added)
        after = Snap.read(hooked.repo)
        compare(before, after, step)
        before = after
        steps.append(step)
        print_row(step, len(steps), flush=True)
    return steps, first


def _env(tmp: Path) -> dict[str, str]:
    """Caches, config and git identity of the replay's own, in `tmp`."""
    (tmp / "config").mkdir()
    return {
        **os.environ,
        "BRIEFPACK_CACHE_DIR": str(tmp / "cache"),
        "BRIEFPACK_CONFIG_DIR": str(tmp / "config"),
        "GIT_CONFIG_GLOBAL": str(tmp / "config" / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }


HEADER = (
    "  #  commit       files  segs induced  ranks  tree±  commit s  bare s  loose KB  snap KB"
    "  left KB    tokens  levels"
)


def print_row(step: Step, i: int, *, flush: bool = False) -> None:
    if i == 1:
        print(HEADER)
    bare = f"{step.bare_seconds:7.2f}" if step.bare_seconds is not None else "      -"
    levels = " ".join(f"{k}:{v}" for k, v in sorted(step.levels.items()))
    print(
        f"{i:3}  {step.commit:11} {step.files:6} {step.segments:5} {step.induced:7} {step.ranks:6}"
        f" {step.tree_lines:6} {step.seconds:9.2f} {bare} {step.loose / 1024:9.0f}"
        f" {step.snapshot_loose / 1024:8.0f} {step.orphan_loose / 1024:8.0f} {step.tokens:9,}"
        f"  {levels}",
        flush=flush,
    )


def summary(steps: list[Step], first: dict[str, float]) -> None:
    """The first snapshot, the medians, and the targets."""
    counted = [s for s in steps if not s.commit.endswith("m")]
    med = statistics.median
    print(
        f"first snapshot: `hook install` {first['install_seconds']:.2f} s (it writes it),"
        f" then the first commit {first['seconds']:.2f} s"
        + (f" (without the hook {first['bare_seconds']:.2f} s)" if "bare_seconds" in first else "")
        + f", loose objects {first['loose'] / 1e6:.2f} MB (snapshot blobs"
        f" {first['snapshot'] / 1e6:.2f} MB, unreachable {first['orphan'] / 1e6:.2f} MB);"
        f" {first['files']:,} files in the manifest,"
        f" {first['tokens']:,} tokens, {first['size'] / 1e6:.1f} MB"
    )
    segs, files = med(s.segments for s in counted), med(s.files for s in counted)
    ratios = [s.segments / s.files for s in counted if s.files]
    print(f"medians over {len(counted)} commits:")
    print(
        f"  files changed {files:g}, changed segments {segs:g}, induced {med(s.induced for s in counted):g}"
    )
    print(
        f"  target changed segments <= 2 x files changed: {segs:g} <= {2 * files:g}: {_ok(segs <= 2 * files)}"
    )
    print(f"  per-commit ratio segments/files: median {med(ratios):.2f}, max {max(ratios):.1f}")
    loose = med(s.loose for s in counted)
    snap = med(s.snapshot_loose for s in counted)
    left = med(s.orphan_loose for s in counted)
    print(
        f"  loose bytes per commit {loose / 1e6:.2f} MB (snapshot blobs {snap / 1e6:.2f} MB,"
        f" unreachable {left / 1e6:.2f} MB)"
    )
    bare = [s for s in counted if s.bare_loose is not None and s.bare_seconds is not None]
    if bare:
        grown = med(s.loose - (s.bare_loose or 0) for s in bare)
        print(f"  .git growth from the snapshot (with minus without the hook) {grown / 1e6:.2f} MB")
        print(f"  target .git growth <= 1 MB: {_ok(grown <= 1e6)}")
        hook = med(s.seconds - (s.bare_seconds or 0.0) for s in bare)
        without = med(s.bare_seconds or 0.0 for s in bare)
        print(f"  commit {med(s.seconds for s in counted):.2f} s, without the hook {without:.2f} s")
        print(f"  hook time (with minus without, per commit) {hook:.2f} s")
    else:
        print(f"  commit {med(s.seconds for s in counted):.2f} s")


def _ok(good: bool) -> str:
    return "met" if good else "NOT met"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repo", type=Path, default=Path("/work/corpora/wagtail"))
    parser.add_argument("-n", type=int, default=30, help="commits to replay (merges aside)")
    parser.add_argument("--start", help="the first commit replayed (default: N back from HEAD)")
    parser.add_argument("--budget", type=int, help="snapshot_budget in the clone's .briefpack.toml")
    parser.add_argument("--keep", action="store_true", help="keep the temporary clones")
    parser.add_argument("--no-local", action="store_true", help="copy the objects, not share them")
    parser.add_argument("--no-baseline", action="store_true", help="no clone without the hook")
    parser.add_argument("--json", type=Path, help="write every step's figures here")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="snapshot-replay-"))
    try:
        steps, first = replay(args, tmp)
        summary(steps, first)
        if args.json:
            args.json.write_text(
                json.dumps({"first": first, "steps": [asdict(s) for s in steps]}, indent=1)
            )
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""The work tree's memo: a fitted build takes the code files whose stat is unchanged as the last
build knew them, reads only what goes in in full, and gives exactly what a build without it
gives; a memo it cannot trust is never used."""

from __future__ import annotations

import hashlib
import marshal
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from briefpack.brief import stamps
from briefpack.brief.parts import Unread
from briefpack.brief.pipeline import Built, build
from briefpack.brief.read import SourceFile
from briefpack.tokens.store import cache_dir
from tests.conftest import write_tree
from tests.secretset.values import Rand, checksummed

CLI = Callable[..., Result]
CANARY = checksummed(Rand(31), "ghp_")  # built at run time: no scanner flags this file
GOAL = "Fix the invoice total rounding in billing"
OLD = 1_600_000_000_000_000_000  # a modification time long past (ns)


@pytest.fixture
def repo(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose files changed long enough ago to be trusted by their stat: their
    change time is now, so the racy window is closed for the test."""
    monkeypatch.setattr(stamps, "RACY_NS", 0)
    files = {
        f"lib/mod{i}.py": f'def helper{i}(x):\n    """Step {i}."""\n    return x\n' * 30
        for i in range(12)
    }
    files["billing/invoice.py"] = "def invoice_total(lines):\n    return round(sum(lines), 2)\n"
    files["lib/keys.py"] = f'TOKEN = "{CANARY}"\n\ndef keys():\n    return TOKEN\n' * 3
    write_tree(git_repo, files)
    return git_repo


def fitted(repo: Path, **more: object) -> Built:
    """A goal build at a budget that holds the invoice code in full and the rest in outline."""
    return build(repo, {"goal": GOAL, "budget": 1600, **more})


def unread(built: Built) -> set[str]:
    return {p for p, (_, result) in built.reads.items() if isinstance(result, Unread)}


def same_as_without_memo(repo: Path, built: Built) -> None:
    cold = build(repo, {"goal": GOAL, "budget": 1600, "cache": False})
    assert built.text == cold.text
    assert built.total == cold.total
    assert built.levels == cold.levels
    assert built.findings == cold.findings


def test_a_second_build_leaves_unchanged_files_unread_and_gives_the_same_brief(repo: Path) -> None:
    first = fitted(repo)
    assert not unread(first)
    assert set(first.levels.values()) >= {"full", "outline"}
    second = fitted(repo)
    outlined = {p for p, level in second.levels.items() if level != "full"}
    assert outlined and outlined <= unread(second)  # what is not in full was not read
    assert second.findings == first.findings and second.findings
    same_as_without_memo(repo, second)


def test_a_changed_file_is_read_again(repo: Path) -> None:
    fitted(repo)
    target = repo / "lib/mod3.py"
    target.write_text("def renamed_helper(x):\n    return x * 2\n")
    os.utime(target, ns=(OLD, OLD))  # even with an old modification time: size and ctime
    second = fitted(repo)
    assert "lib/mod3.py" not in unread(second)
    assert "renamed_helper" in second.reads["lib/mod3.py"][1].text  # type: ignore[union-attr]
    same_as_without_memo(repo, second)


def test_a_file_changed_just_now_is_not_kept(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stamps, "RACY_NS", 3600 * 10**9)  # everything counts as just changed
    fitted(repo)
    assert not unread(fitted(repo))


def test_a_file_changed_under_its_old_stat_is_caught(repo: Path) -> None:
    """A memo whose digest for a file is wrong (its text changed and its stat did not): the
    file is read to go in in full, found different, and the build starts again without it."""
    fitted(repo)
    path = memo_file()
    data = marshal.loads(path.read_bytes())
    rows = data["files"]
    rows["billing/invoice.py"][4] = "0" * 32  # the digest of some other text
    data["files"] = rows
    path.write_bytes(marshal.dumps(data))
    again = fitted(repo)
    assert again.levels["billing/invoice.py"] == "full"
    same_as_without_memo(repo, again)
    rows = marshal.loads(memo_file().read_bytes())["files"]
    assert rows["billing/invoice.py"][4] != "0" * 32  # the memo was made anew
    assert unread(fitted(repo))  # and serves the next build


@pytest.mark.parametrize("damage", [b"", b"not marshal", marshal.dumps({"briefpack_memo": 3})])
def test_a_corrupt_memo_is_not_used(repo: Path, damage: bytes) -> None:
    fitted(repo)
    memo_file().write_bytes(damage)
    again = fitted(repo)
    assert not unread(again)
    same_as_without_memo(repo, again)
    assert unread(fitted(repo))  # and the next build has a memo again


def test_damaged_rows_are_read_again(repo: Path) -> None:
    fitted(repo)
    path = memo_file()
    data = marshal.loads(path.read_bytes())
    rows = data["files"]
    rows["lib/mod1.py"] = 7
    rows["lib/mod2.py"] = [rows["lib/mod2.py"][0], "known"]
    rows["lib/mod5.py"][3] = [("a", "k", 0, 1)]  # a finding of the wrong shape
    data["files"] = rows
    path.write_bytes(marshal.dumps(data))
    again = fitted(repo)
    assert not {"lib/mod1.py", "lib/mod2.py", "lib/mod5.py"} & unread(again)
    same_as_without_memo(repo, again)


def test_other_settings_do_not_share_the_memo(repo: Path) -> None:
    fitted(repo)
    assert not unread(fitted(repo, secrets="allow"))


def test_a_brief_that_fits_whole_reads_every_file_once(repo: Path) -> None:
    fitted(repo)
    whole = build(repo, {"goal": GOAL, "budget": 10**9})
    assert not unread(whole)
    assert set(whole.levels.values()) == {"full"}


def test_a_symlink_is_never_taken_by_its_stat(repo: Path) -> None:
    (repo / "lib/link.py").symlink_to("mod4.py")
    fitted(repo)
    assert "lib/link.py" not in unread(fitted(repo))


def test_the_cli_build_is_the_same_warm_and_cold(cli: CLI, repo: Path) -> None:
    args = ["build", "--stdout", "-g", GOAL, "--budget", "1600"]
    cold = cli([*args, "--no-cache"], cwd=repo)
    cli(args, cwd=repo)
    warm = cli(args, cwd=repo)
    assert warm.exit_code == 0, warm.stderr
    assert warm.stdout == cold.stdout
    assert warm.stderr == cold.stderr


def memo_file() -> Path:
    (found,) = (cache_dir() / "worktree").glob("*.marshal")
    return found


def test_rows_of_a_file_left_out_are_kept_for_another_build(repo: Path) -> None:
    write_tree(repo, {"tools/gen.py": "def generate():\n    return 1\n" * 40})
    fitted(repo)
    fitted(repo, exclude=["tools/**"])
    rows = marshal.loads(memo_file().read_bytes())["files"]
    assert "tools/gen.py" in rows


def test_a_file_named_like_the_goal_keeps_only_its_own_secrets(repo: Path) -> None:
    """The goal's findings are named `goal`, as a file at the top may be: the memo keeps the
    file's own, so a warm build counts what a cold one does."""
    write_tree(repo, {"goal": "plain text, nothing secret\n" * 40})
    goal = f"{GOAL}; the key {checksummed(Rand(32), 'ghp_')} leaked"
    cold = build(repo, {"goal": goal, "budget": 1600, "cache": False})
    build(repo, {"goal": goal, "budget": 1600})
    warm = build(repo, {"goal": goal, "budget": 1600})
    assert unread(warm)
    assert warm.findings == cold.findings
    later = build(repo, {"goal": GOAL, "budget": 1600})
    assert later.findings == build(repo, {"goal": GOAL, "budget": 1600, "cache": False}).findings


def test_a_file_name_that_is_not_utf8_is_kept(repo: Path) -> None:
    name = os.fsdecode(b"lib/caf\xe9.py")
    (repo / name).write_text("def cafe():\n    return 1\n" * 40)
    fitted(repo)
    again = fitted(repo)
    assert name in memo_rows()
    same_as_without_memo(repo, again)


def test_a_first_build_that_fits_whole_does_not_keep_the_memo_off(repo: Path) -> None:
    """A memo written when few files fit whole says so; once the brief must be fitted, it is
    made again and used."""
    few = build(
        repo, {"goal": GOAL, "budget": 900, "include": [f"lib/mod{i}.py" for i in (0, 1, 2)]}
    )
    assert "outline" in few.levels.values()  # fitted: a memo of 3 files, below 1,600 tokens
    assert sum(few.full.values()) < 1600
    fitted(repo)  # the memo's files fit 1,600 whole; these do not
    assert unread(fitted(repo))


def test_a_whole_build_takes_unchanged_files_from_the_last_one(repo: Path) -> None:
    """A brief that fits whole is remembered too: an unchanged file's segment comes from the
    last brief's text (the pack), not from the file. Shown by changing the pack behind the
    memo's back (and its checksum with it): the next build says what the pack says."""
    whole = {"goal": GOAL, "budget": 10**9}
    first = build(repo, whole)
    assert set(first.levels.values()) == {"full"}
    assert build(repo, whole).text == first.text
    path = memo_file()
    pack = path.with_suffix(".pack")
    data = marshal.loads(path.read_bytes())
    changed = pack.read_bytes().replace(b"invoice_total", b"INVOICE_TOTAL")
    pack.write_bytes(changed)
    data["context_sha256"] = hashlib.sha256(changed).hexdigest()
    path.write_bytes(marshal.dumps(data))
    assert "def INVOICE_TOTAL(lines)" in build(repo, whole).text
    pack.write_bytes(b"another build's pack")  # its checksum no longer holds: not used
    again = build(repo, whole)
    assert "def invoice_total(lines)" in again.text
    assert again.text == build(repo, {**whole, "cache": False}).text


def test_a_build_that_is_not_fitted_reads_every_file(repo: Path) -> None:
    fitted(repo)
    assert not unread(build(repo, {"goal": GOAL, "budget": 1600, "fit": False}))


def memo_rows() -> dict[str, list[object]]:
    rows: dict[str, list[object]] = marshal.loads(memo_file().read_bytes())["files"]
    return rows


def test_the_pack_is_for_its_user_only_and_never_holds_a_secret_left_in(repo: Path) -> None:
    build(repo, {"goal": GOAL, "budget": 10**9})
    folder = cache_dir() / "worktree"
    assert folder.stat().st_mode & 0o777 == 0o700
    for path in folder.iterdir():
        path.unlink()
    allowed = build(repo, {"goal": GOAL, "budget": 10**9, "secrets": "allow"})
    assert CANARY in allowed.text
    assert not any(CANARY.encode() in p.read_bytes() for p in folder.iterdir())
    assert not list(folder.iterdir())
    redacted = build(repo, {"goal": GOAL, "budget": 10**9})
    assert CANARY not in redacted.text
    assert not any(CANARY.encode() in p.read_bytes() for p in folder.iterdir())


def test_files_one_build_leaves_out_come_back_as_they_are(repo: Path) -> None:
    """A build that leaves files out (-x, --note, include) keeps their rows for the next, but
    not where their text sat: that pack is replaced (it gave another file's bytes)."""
    whole = {"goal": GOAL, "budget": 10**9}
    build(repo, whole)
    build(repo, {**whole, "exclude": ["lib/mod1*.py", "lib/keys.py"]})
    again = build(repo, whole)
    assert again.text == build(repo, {**whole, "cache": False}).text
    assert again.findings


def test_a_file_read_in_full_after_all_is_kept_with_its_text(repo: Path) -> None:
    fitted(repo)
    assert memo_rows()["lib/mod7.py"][1] == "known"  # outlined: known by its digest
    other = {"goal": "Fix helper7: step 7 of mod7 returns the wrong x", "budget": 1600}
    now = build(repo, other)  # fitted again: mod7 is taken unread, then read to go in full
    assert now.levels["lib/mod7.py"] == "full"
    assert isinstance(now.reads["lib/mod7.py"][1], SourceFile)
    assert memo_rows()["lib/mod7.py"][1] == "text"


def test_nothing_the_scan_let_through_is_kept_in_the_cache(repo: Path) -> None:
    """`--secrets allow` leaves secrets in the brief: no cache keeps a text's terms, outline
    or the brief; files allowed by name are never scanned, so no pack keeps them either."""
    build(repo, {"goal": GOAL, "budget": 1600, "secrets": "allow"})
    build(repo, {"goal": GOAL, "budget": 10**9, "secrets": "allow"})
    kept = [p for p in cache_dir().rglob("*") if p.is_file()]
    assert kept and not [p for p in kept if CANARY.encode() in p.read_bytes()]
    build(repo, {"goal": GOAL, "budget": 10**9, "secrets_allow_files": ["lib/keys.py"]})
    assert not (cache_dir() / "worktree").exists()


def test_fitted_and_whole_builds_keep_a_memo_each(repo: Path) -> None:
    """Alternating goal builds and whole ones: neither throws the other's memo away (a whole
    memo would hand a fitted build every text, and a fitted one would leave the next whole build
    to read again what it did not carry)."""
    whole = {"goal": GOAL, "budget": 10**9}
    build(repo, whole)
    fitted(repo)
    build(repo, whole)
    assert unread(fitted(repo))
    kinds = sorted(p.stem.rsplit("-", 1)[1] for p in (cache_dir() / "worktree").glob("*.marshal"))
    assert kinds == ["fitted", "whole"]
    assert build(repo, whole).text == build(repo, {**whole, "cache": False}).text


def test_the_first_build_that_leaves_files_unread_takes_the_fit_the_cold_one_made(
    repo: Path,
) -> None:
    """The fit's key takes each code file by its text's digest, read or left unread: the warm
    build after a cold one finds the cold one's ranking and levels (it ranked again before)."""
    fits = cache_dir() / "fits"
    cold = fitted(repo)
    kept = sorted(fits.glob("*/*.marshal"))
    assert len(kept) == 1
    warm = fitted(repo)
    assert unread(warm) and not unread(cold)
    assert sorted(fits.glob("*/*.marshal")) == kept  # no new fit: the cold one's was taken
    assert warm.text == cold.text and warm.levels == cold.levels
    fitted(repo, goal="Fix the helper steps")  # another goal: another fit
    assert len(list(fits.glob("*/*.marshal"))) == 2

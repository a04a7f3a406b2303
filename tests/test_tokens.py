"""Counting: authentic offline encodings, and totals equal to tiktoken on the emitted text."""

from __future__ import annotations

import hashlib
import marshal
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefpack.brief.parts import Brief, Doc
from briefpack.brief.pipeline import build
from briefpack.brief.render import render, text_of
from briefpack.errors import BriefpackError
from briefpack.tokens.count import TokenCache, TokenCounter
from briefpack.tokens.encodings import load_encoding
from tests.conftest import git, write_tree

ENCODINGS = ["o200k_base", "cl100k_base"]


def test_known_token_ids_prove_the_encodings_are_authentic() -> None:
    assert load_encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert load_encoding("cl100k_base").encode("hello world") == [15339, 1917]


def test_only_a_verified_rank_file_is_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefpack.tokens import encodings

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    blob = encodings._BLOBS["o200k_base"]
    cached = tmp_path / encodings._cache_key(blob)
    cached.write_bytes(b"tampered")
    assert not encodings._tiktoken_cache_has(blob)
    data = encodings._bundled("o200k_base")
    assert hashlib.sha256(data).hexdigest() == blob.sha256
    cached.write_bytes(data)
    assert encodings._tiktoken_cache_has(blob)


# Segments as the renderer makes them: each ends with "\n" and starts with "#" or "<".
_segment = st.builds(
    lambda head, body: head + body + "\n",
    st.sampled_from(["#", "<", "## x\n\n", "<file>\n"]),
    st.text(max_size=40),
)


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=300, deadline=None)
@given(segments=st.lists(_segment, min_size=1, max_size=6))
def test_sum_of_segments_equals_count_of_whole(encoding: str, segments: list[str]) -> None:
    enc = load_encoding(encoding)
    whole = len(enc.encode_ordinary("".join(segments)))
    assert whole == sum(len(enc.encode_ordinary(s)) for s in segments)


HOSTILE = {
    "a.py": "// starts with a slash\n  indented\r\nno newline",
    "b.js": "/* c */\n\n\n   ",
    "c.md": "```\n<|endoftext|>\n````",
    "d.txt": "\u00e9\u4e2d\U0001f600 \t\n",
    "e.sql": "</file>]]>",
    "f.txt": "",
}


@pytest.mark.parametrize("style", ["markdown", "xml"])
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_rendered_brief_total_is_exact(style: str, encoding: str) -> None:
    docs = tuple(Doc(p, t) for p, t in HOSTILE.items())
    brief = Brief(
        goal=" lead space",
        format="f",
        warnings=("w\nmore",),
        tried="t",
        notes=docs[:2],
        schema=docs[4:5],
        files=docs,
    )
    segments = render(brief, style)  # type: ignore[arg-type]
    counts = TokenCounter(encoding).count([s.text for s in segments])
    assert sum(counts) == len(load_encoding(encoding).encode_ordinary(text_of(segments)))


@pytest.mark.parametrize("style", ["markdown", "xml"])
def test_build_total_equals_tiktoken_on_emitted_text(git_repo: Path, style: str) -> None:
    write_tree(git_repo, {**HOSTILE, "notes/n.md": "/note\n", "schema.sql": "create table t();"})
    write_tree(git_repo, {".briefpack.toml": 'notes = ["notes/**"]\nschema = ["schema.sql"]\n'})
    built = build(git_repo, {"goal": "g", "style": style})
    assert built.total == len(load_encoding("o200k_base").encode_ordinary(built.text))


def test_warm_build_encodes_nothing_and_one_change_encodes_one(git_repo: Path) -> None:
    write_tree(git_repo, {f"src/m{i}.py": f"x = {i}\n" for i in range(20)})
    git(git_repo, "add", ".")
    cold = build(git_repo, {"goal": "g"})
    assert cold.encoded_files == 20
    warm = build(git_repo, {"goal": "g"})
    assert warm.encoded_files == 0
    assert warm.total == cold.total
    write_tree(git_repo, {"src/m3.py": "x = 'changed'\n"})
    assert build(git_repo, {"goal": "g"}).encoded_files == 1
    assert build(git_repo, {"goal": "g", "cache": False}).encoded_files == 20


def test_corrupt_cache_is_discarded_not_fatal(git_repo: Path) -> None:
    write_tree(git_repo, {"a.py": "a = 1\n"})
    build(git_repo, {})
    cache = TokenCache.for_root(git_repo)
    assert cache.path is not None and cache.path.exists()
    junks = (
        b"{not marshal",
        marshal.dumps((99, {})),
        marshal.dumps([]),
        b"\xff\x00",
        b'{"version": 1, "encodings": {}}',  # the JSON of version 1
        marshal.dumps((2, {"o200k_base": "not a table", 3: {}})),
    )
    for junk in junks:
        cache.path.write_bytes(junk)
        again = build(git_repo, {})
        assert again.encoded_files == 1
    version, tables = marshal.loads(cache.path.read_bytes())
    assert version == 2 and all(type(n) is int for t in tables.values() for n in t.values())
    for damaged in ("12", -7):  # a damaged count is counted again, never used
        for table in tables.values():
            for key in table:
                table[key] = damaged
        cache.path.write_bytes(marshal.dumps((version, tables)))
        again = build(git_repo, {})
        assert again.encoded_files == 1 and again.total == build(git_repo, {"cache": False}).total


def test_parsed_ranks_kept_with_marshal_give_the_same_encoding() -> None:
    from briefpack.tokens import encodings

    sample = "def tender(load):  # ünïcode, emoji 😀, <|endoftext|> as text\n" * 3
    encodings.load_encoding.cache_clear()
    first = encodings.load_encoding("o200k_base").encode_ordinary(sample)
    kept = list((encodings.cache_dir() / "encodings").glob("o200k_base.*.marshal"))
    assert len(kept) == 1
    encodings.load_encoding.cache_clear()
    assert encodings.load_encoding("o200k_base").encode_ordinary(sample) == first
    for junk in (b"", b"\x00garbage", __import__("marshal").dumps({"name": 1})):
        kept[0].write_bytes(junk)
        encodings.load_encoding.cache_clear()
        assert encodings.load_encoding("o200k_base").encode_ordinary(sample) == first
    encodings.load_encoding.cache_clear()


def test_no_text_is_encoded_twice_in_one_run(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Duplicates within a call and every --fit round's re-count reuse the first encoding."""
    from briefpack.tokens import count as tokens

    seen: list[str] = []
    real = load_encoding("o200k_base")
    encode = real.encode_ordinary

    def recording(text: str) -> list[int]:
        seen.append(text)
        return encode(text)

    monkeypatch.setattr(real, "encode_ordinary", recording)
    counter = tokens.TokenCounter("o200k_base")
    first = counter.count(["same\n", "same\n", "other\n"])
    assert counter.count(["other\n", "same\n"]) == [first[2], first[0]]
    assert sorted(seen) == ["other\n", "same\n"]
    seen.clear()
    write_tree(git_repo, {f"m{i}.py": f"value_{i} = {i}\n" * (50 * (i + 1)) for i in range(6)})
    git(git_repo, "add", ".")
    fitted = build(git_repo, {"goal": "g", "budget": 1200, "fit": True, "cache": False})
    assert "path" in fitted.levels.values()  # rounds of re-rendering and re-counting happened
    assert len(seen) == len(set(seen))


def test_atomic_writes_keep_the_usual_file_mode(tmp_path: Path) -> None:
    import os
    import stat

    from briefpack.tokens.store import write_atomic

    umask = os.umask(0o022)
    try:
        fresh = tmp_path / "brief.md"
        write_atomic(fresh, b"one")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o644
        fresh.chmod(0o600)  # a mode the user chose is kept
        write_atomic(fresh, b"two")
        assert stat.S_IMODE(fresh.stat().st_mode) == 0o600 and fresh.read_bytes() == b"two"
    finally:
        os.umask(umask)


def test_counting_on_every_core_gives_tiktokens_own_counts() -> None:
    """Runs of texts on a few threads: same counts, same order as tiktoken's batch encoding."""
    import random

    from briefpack.tokens import threads as tokens
    from briefpack.tokens.parallel import split_runs

    rng = random.Random(7)
    alphabet = "ab \n\t{}()#<>éü漢字😀\ud800'\"0123456789"
    texts = ["", "x", "<|endoftext|> stays text\n", "long line " * 20_000]
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 400))) for _ in range(500)]
    rng.shuffle(texts)
    encoding = load_encoding("o200k_base")
    expected = [len(t) for t in encoding.encode_ordinary_batch(texts)]
    assert tokens.count_texts(encoding, texts) == expected
    items = [(str(i), t) for i, t in enumerate(texts)]
    runs = split_runs(items, 8, lambda item: len(item[1]))
    assert [item for run in runs for item in run] == items and 4 <= len(runs) <= 9
    assert split_runs([], 8, len) == [] and tokens.count_texts(encoding, []) == []


@pytest.fixture
def child() -> Iterator[None]:
    from briefpack.tokens import child as tokenchild

    yield
    tokenchild.stop()


TRICKY = ["", "plain text\n", "emoji 🧪 and ümlauts", "lone \udcff surrogate", "x" * 70_000]


def test_a_forked_child_counts_as_tiktoken_does(child: None) -> None:
    from briefpack.tokens import child as tokenchild

    started = tokenchild.start(lambda: "o200k_base")
    assert started is not None
    counter = TokenCounter("o200k_base")
    encoding = load_encoding("o200k_base")
    expected = [len(encoding.encode_ordinary(t)) for t in TRICKY]
    assert counter.count(TRICKY) == expected
    assert started.served == len(TRICKY)  # the child counted them, not this process
    assert TokenCounter("o200k_base").count(["one more"]) == [2]
    assert started.served == len(TRICKY) + 1


def test_a_child_that_cannot_count_leaves_it_to_this_process(child: None) -> None:
    from briefpack.tokens import child as tokenchild

    broken = tokenchild.start(lambda: "no_such_encoding")
    assert broken is not None
    assert tokenchild.counts("no_such_encoding", ["text"]) is None  # it said it could not load
    with pytest.raises(BriefpackError, match="unknown encoding 'no_such_encoding'"):
        TokenCounter("no_such_encoding").count(["text"])  # the error comes from here
    tokenchild.stop()
    other = tokenchild.start(lambda: "cl100k_base")
    assert other is not None
    assert TokenCounter("o200k_base").count(["hello world"]) == [2]  # not what it loaded
    assert other.served == 0 and other.encoding == "cl100k_base"
    tokenchild.stop()
    dead = tokenchild.start(lambda: "o200k_base")
    assert dead is not None
    assert TokenCounter("o200k_base").count(["warm up"]) == [2]
    os.kill(dead.pid, signal.SIGKILL)
    os.waitpid(dead.pid, 0)
    assert TokenCounter("o200k_base").count(["after the child died"]) == [4]
    assert dead.served == 1 and dead.encoding == ""


@pytest.mark.parametrize("when", ["before it says what it loaded", "while it counts"])
def test_a_stopped_child_is_killed_and_counting_goes_on_here(child: None, when: str) -> None:
    """A child that does not answer in time (here SIGSTOP) blocks nothing: this process counts,
    and the child is killed (a stopped process still holds the hook's pipes)."""
    from briefpack.tokens import child as tokenchild

    started = tokenchild.start(lambda: "o200k_base")
    assert started is not None
    started.patience = 0.3  # this child's own deadline, not the default's 3 s
    if when == "while it counts":
        assert TokenCounter("o200k_base").count(["warm up"]) == [2]
    os.kill(started.pid, signal.SIGSTOP)
    began = time.monotonic()
    counter = TokenCounter("o200k_base")
    encoding = load_encoding("o200k_base")
    assert counter.count(TRICKY) == [len(encoding.encode_ordinary(t)) for t in TRICKY]
    assert time.monotonic() - began < 2.5
    assert started.encoding == "" and started.served == (1 if when == "while it counts" else 0)
    with pytest.raises(ChildProcessError):
        os.waitpid(started.pid, os.WNOHANG)  # killed and reaped already
    assert TokenCounter("o200k_base").count(["after the child stopped"]) == [4]


def test_no_child_when_the_system_refuses_one(child: None) -> None:
    import resource

    from briefpack.tokens import child as tokenchild

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (3, hard))  # no new descriptor: no pipe
    try:
        assert tokenchild.start(lambda: "o200k_base") is None
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert TokenCounter("o200k_base").count(["hello world"]) == [2]  # counted here instead

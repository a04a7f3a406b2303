"""Token counting in a child process that loads the tokenizer while the hook gathers the snapshot.

Loading o200k takes ~0.25 s (the ranks from marshal, then tiktoken's Rust constructor, which holds
the GIL), and a one-file commit needs it for one text. So the hook forks before anything else,
even reading the config: the child finds which encoding the config asks for, loads it on another
core, says which it loaded, and counts what it is sent over a pipe, while the parent reads,
scans and renders. Linux only, and only from the hook's lean entry point, where no thread exists
yet to be forked in a bad state. If anything is wrong with the child (it could not load the
encoding, it loaded another, it died), the parent counts in-process as it would have anyway,
and any error comes from there.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

_COUNT = struct.Struct("<I")


@dataclass
class Child:
    """The forked counter: a pipe each way."""

    pid: int
    requests: BinaryIO
    replies: BinaryIO
    encoding: str | None = None  # what it loaded, once it has said; "" if it could not
    served: int = 0  # texts it counted

    def count(self, encoding: str, texts: list[str]) -> list[int] | None:
        """Each text's count in `encoding`, or None if the child cannot give them."""
        if not texts:
            return []
        try:
            if self.encoding is None:
                self.encoding = self.replies.readline().decode("ascii", "replace").strip()
            if self.encoding != encoding:
                return None
            self.requests.write(_pack(texts))
            self.requests.flush()
            data = self.replies.read(_COUNT.size * len(texts))
        except OSError:
            data = b""
        if len(data) != _COUNT.size * len(texts):
            self.encoding = ""  # it died: count in-process from now on
            return None
        self.served += len(texts)
        return [n for (n,) in _COUNT.iter_unpack(data)]


_child: Child | None = None


def start(encoding: Callable[[], str]) -> Child | None:
    """Fork the counter (Linux only); it calls `encoding` to learn which to load. The caller
    must not have started threads."""
    global _child
    if not sys.platform.startswith("linux") or _child is not None:
        return _child
    fds: list[int] = []
    try:
        fds += os.pipe()
        fds += os.pipe()
        pid = os.fork()
    except OSError:  # out of processes or descriptors: count in-process
        for fd in fds:
            os.close(fd)
        return None
    down_r, down_w, up_r, up_w = fds
    if pid == 0:  # the child: never returns
        os.close(down_w)
        os.close(up_r)
        _serve(encoding, down_r, up_w)
    os.close(down_r)
    os.close(up_w)
    _child = Child(pid, os.fdopen(down_w, "wb"), os.fdopen(up_r, "rb"))
    return _child


def stop() -> None:
    """Close the pipes (the child exits at their end) and wait for it."""
    global _child
    if _child is None:
        return
    for stream in (_child.requests, _child.replies):
        with contextlib.suppress(OSError):
            stream.close()
    with contextlib.suppress(ChildProcessError):
        os.waitpid(_child.pid, 0)
    _child = None


def counts(encoding: str, texts: list[str]) -> list[int] | None:
    """The counts from the child, if it loaded `encoding`; None: count in-process."""
    return _child.count(encoding, texts) if _child is not None else None


def _serve(encoding: Callable[[], str], requests_fd: int, replies_fd: int) -> None:
    """The child's life: load, say what it loaded, count until the parent closes the pipe."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the parent's to handle
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):  # hold none of git's pipes open: it may wait for them to close
            os.dup2(devnull, fd)
        from briefpack.encodings import load_encoding
        from briefpack.tokens import count_texts

        replies = os.fdopen(replies_fd, "wb")
        try:
            name = encoding()
            loaded = load_encoding(name)
        except Exception:
            replies.write(b"\n")  # none: the parent counts, and meets the error itself
            replies.flush()
            os._exit(1)
        replies.write(name.encode("ascii", "replace") + b"\n")
        replies.flush()
        requests = os.fdopen(requests_fd, "rb")
        while texts := _unpack(requests):
            replies.write(b"".join(_COUNT.pack(n) for n in count_texts(loaded, texts)))
            replies.flush()
        code = 0
    finally:
        os._exit(code)


def _pack(texts: list[str]) -> bytes:
    parts = [_COUNT.pack(len(texts))]
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        parts += [_COUNT.pack(len(data)), data]
    return b"".join(parts)


def _unpack(stream: BinaryIO) -> list[str]:
    """One request's texts; [] at the end of the stream."""
    head = stream.read(_COUNT.size)
    if len(head) < _COUNT.size:
        return []
    texts = []
    for _ in range(_COUNT.unpack(head)[0]):
        (size,) = _COUNT.unpack(stream.read(_COUNT.size))
        texts.append(stream.read(size).decode("utf-8", "surrogatepass"))
    return texts

"""Token counting in a child process that loads the tokenizer while the hook gathers the snapshot.

Loading o200k takes ~0.25 s (the ranks from marshal, then tiktoken's Rust constructor, which holds
the GIL), and a one-file commit needs it for one text. So the hook forks before anything else,
even reading the config: the child finds which encoding the config asks for, loads it on another
core, says which it loaded, and counts what it is sent over a pipe, while the parent reads,
scans and renders. Linux only, and only from the hook's lean entry point, where no thread exists
yet to be forked in a bad state. If anything is wrong with the child (it could not load the
encoding, it loaded another, it died, it did not answer in time: stopped, or stuck), the parent
counts in-process as it would have anyway, and any error comes from there. Every wait on the
child has a deadline, and a child that misses one is killed.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

_COUNT = struct.Struct("<I")
# The slowest counting a reply may take, beyond `Child.patience`: a fifth of what one core does
# (o200k: ~11 MB/s), so that only a child that is stopped or stuck misses its deadline.
_BYTES_PER_SECOND = 2_000_000


@dataclass
class Child:
    """The forked counter: a pipe each way (file descriptors; requests' is non-blocking)."""

    pid: int
    requests: int
    replies: int
    encoding: str | None = None  # what it loaded, once it has said; "" if it could not
    served: int = 0  # texts it counted
    patience: float = 3.0  # seconds a reply may take beyond counting (the load: ~0.25 s)

    def count(self, encoding: str, texts: list[str]) -> list[int] | None:
        """Each text's count in `encoding`, or None if the child cannot give them."""
        if not texts:
            return []
        try:
            if self.encoding is None:
                line = _receive_line(self.replies, time.monotonic() + self.patience)
                self.encoding = line.decode("ascii", "replace").strip()
            if self.encoding != encoding:
                return None
            request = _pack(texts)
            deadline = time.monotonic() + self.patience + len(request) / _BYTES_PER_SECOND
            _send(self.requests, request, deadline)
            data = _receive(self.replies, _COUNT.size * len(texts), deadline)
        except TimeoutError:
            self._give_up()
            return None
        except OSError:
            data = b""
        if len(data) != _COUNT.size * len(texts):
            self.encoding = ""  # it died: count in-process from now on
            return None
        self.served += len(texts)
        return [n for (n,) in _COUNT.iter_unpack(data)]

    def _give_up(self) -> None:
        """Kill the child that missed its deadline (SIGKILL ends a stopped process too)."""
        self.encoding = ""
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)


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
    os.set_blocking(down_w, False)  # a write to a stopped child must not wait past its deadline
    _child = Child(pid, down_w, up_r)
    return _child


def stop() -> None:
    """Close the pipes (the child exits at their end) and wait for it."""
    global _child
    if _child is None:
        return
    for fd in (_child.requests, _child.replies):
        with contextlib.suppress(OSError):
            os.close(fd)
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
        from briefpack.tokens.encodings import load_encoding
        from briefpack.tokens.threads import count_texts

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


def _wait(fd: int, event: int, deadline: float) -> None:
    """Until `fd` is ready for `event` (or closed at the other end); TimeoutError at `deadline`."""
    poller = select.poll()
    poller.register(fd, event)
    if not poller.poll(max(deadline - time.monotonic(), 0.0) * 1000):
        raise TimeoutError


def _send(fd: int, data: bytes, deadline: float) -> None:
    view = memoryview(data)
    while view:
        _wait(fd, select.POLLOUT, deadline)
        with contextlib.suppress(BlockingIOError):
            view = view[os.write(fd, view) :]


def _receive(fd: int, size: int, deadline: float) -> bytes:
    """`size` bytes, or fewer if the child closed its end first."""
    chunks: list[bytes] = []
    while size > 0:
        _wait(fd, select.POLLIN, deadline)
        chunk = os.read(fd, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _receive_line(fd: int, deadline: float) -> bytes:
    """The child's first line (it sends nothing more before it is asked)."""
    line = b""
    while not line.endswith(b"\n"):
        _wait(fd, select.POLLIN, deadline)
        chunk = os.read(fd, 256)
        if not chunk:
            break
        line += chunk
    return line


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

"""Shared fixtures: isolated config and cache dirs, real git repos, file trees, the CLI runner."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from briefpack.cli.app import app


@pytest.fixture(autouse=True)
def _isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's config, cache, git identity or global excludes."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("BRIEFPACK_CONFIG_DIR", str(home / "briefpack-config"))
    monkeypatch.setenv("BRIEFPACK_CACHE_DIR", str(home / "briefpack-cache"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "test@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "test@example.com")
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "BRIEFPACK_DEBUG"):
        monkeypatch.delenv(name, raising=False)


def write_tree(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create `files` (path -> text or bytes) under `root`; return `root`."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


def git(root: Path, *args: str) -> str:
    """Run real git in `root`; return stdout."""
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def git_repo(tmp_path: Path) -> Path:
    """An empty real git repository."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Result]]:
    """Run briefpack in-process: cli(args, cwd=...) -> Result with stdout and stderr apart."""
    runner = CliRunner()

    def invoke(
        args: list[str],
        *,
        cwd: Path | None = None,
        input: str | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        return runner.invoke(app, args, input=input, env=dict(env or {}))

    return invoke


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    """A real X display (Xvfb) for clipboard tests; skipped locally, required in CI."""
    import shutil

    if not (shutil.which("Xvfb") and shutil.which("xclip")):
        if os.environ.get("CI"):
            pytest.fail("CI needs Xvfb and xclip (installed by .ci/run)")
        pytest.skip("Xvfb and xclip are not installed")
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_end), "-nolisten", "tcp", "-screen", "0", "640x480x24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        number = pipe.readline().strip()  # Xvfb writes its display number once it is ready
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not start")
    yield f":{number}"
    proc.terminate()
    proc.wait(timeout=10)

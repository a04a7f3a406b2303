"""How long `briefpack send` takes around the network, against the local test server.

Prints medians of: `briefpack --help` (openai must not be imported there), `send --dry-run`
(build + estimate, no network), and `send --yes` end to end (model check, background create,
streamed answer to disk). Run: .venv/bin/python bench/send_overhead.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.openai_server import FakeOpenAI


def _time(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=cwd, env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI() as server:
        repo = Path(tmp)
        subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
        (repo / ".briefpack.toml").write_text('goal = "Explain"\n')
        for n in range(50):
            (repo / f"mod{n}.py").write_text(f"def f{n}(x):\n    return x * {n}\n" * 40)
        env = {
            **os.environ,
            "OPENAI_API_KEY": "sk-bench",
            "OPENAI_BASE_URL": server.base_url,
            "BRIEFPACK_CACHE_DIR": str(repo / ".cache"),
        }
        py = [sys.executable, "-m", "briefpack"]
        cases = {
            "briefpack --help": [*py, "--help"],
            "send --dry-run": [*py, "send", "--dry-run"],
            "send --yes (local server)": [*py, "send", "--yes"],
        }
        print(f"{'command':28} {'median s':>9}  ({runs} runs, 50 files)")
        for name, args in cases.items():
            times = [_time(args, repo, env) for _ in range(runs)]
            print(f"{name:28} {statistics.median(times):9.3f}")


if __name__ == "__main__":
    main()

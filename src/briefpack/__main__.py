"""`python -m briefpack` and the `briefpack` console script.

The CLI is imported inside the guard, so a Ctrl-C while Python is still loading it ends as
quietly as one during a command: `error: interrupted`, exit code 130, no traceback.
"""

from __future__ import annotations

import sys


def run() -> None:
    """Entry point: run the CLI; Ctrl-C at any moment exits 130 without a traceback."""
    try:
        if sys.argv[1:] == ["snapshot", "--hook"]:  # what git runs at every commit: no CLI to load
            from briefpack.snapshot.hookrun import main as hook

            hook()
        from briefpack.cli.app import main

        main()
    except KeyboardInterrupt:
        sys.stderr.write("error: interrupted\n")
        raise SystemExit(130) from None


if __name__ == "__main__":
    run()

#!/bin/sh
# briefpack pre-commit hook: keeps the context snapshot fresh at every commit.
# Installed by `briefpack hook install`; `briefpack hook uninstall` removes it and puts back any
# hook it chained. Do not edit the marker line below: it tells briefpack this file is its own.
# briefpack-hook v2
if [ -x "$0.briefpack-chained" ]; then
    "$0.briefpack-chained" "$@" || exit $?
fi
python=@PYTHON@
if [ -x "$python" ]; then
    exec "$python" -m briefpack snapshot --hook
elif command -v briefpack >/dev/null 2>&1; then
    exec briefpack snapshot --hook
fi
echo "warning: briefpack not found ($python); the context snapshot was not updated" >&2
exit 0

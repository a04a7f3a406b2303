#!/usr/bin/env bash
# Install the peer tools bench/discovery.py compares against, outside the repository.
# Usage: bash bench/install_peers.sh [DIR]   (default /work/corpora/peers)
set -euo pipefail
dir="${1:-/work/corpora/peers}"
mkdir -p "$dir"
python3 -m venv "$dir/venv"
"$dir/venv/bin/pip" install -q files-to-prompt gitingest code2prompt
(cd "$dir" && npm install --silent repomix)
echo "peers installed in $dir"

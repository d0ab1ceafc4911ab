#!/usr/bin/env bash
# Run the demo from a fresh clone: sets everything up, then opens the quickstart
# notebook in JupyterLab on http://127.0.0.1:8888 (set PORT to change it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
port="${PORT:-8888}"
extra=()
if [ "$(id -u)" = 0 ]; then extra+=(--allow-root); fi
echo "== Open http://127.0.0.1:$port/lab/tree/quickstart.ipynb"
cd notebooks
exec ../.venv/bin/jupyter lab --no-browser --ip=127.0.0.1 --port="$port" \
  --ServerApp.root_dir=. "${extra[@]}" quickstart.ipynb

#!/usr/bin/env bash
# Run every test from a fresh clone: sets everything up, then runs pytest,
# including the end-to-end tests in a real JupyterLab driven by Chromium.
# Extra arguments go to pytest, for example: bash scripts/test.sh -m "not browser"
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
echo "== Type-checking the front end"
npx tsc --noEmit
echo "== Running the tests"
.venv/bin/python -m pytest "$@"

#!/usr/bin/env bash
# Set up a development environment from a fresh clone: the Python virtual
# environment in .venv, the npm packages, the front-end build, and, for the
# browser tests, Debian's Chromium. Safe to run again: finished steps are quick.
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "setup.sh: unknown option $arg (known: --browser)" >&2; exit 2 ;;
  esac
done

if [ "$want_browser" = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "== Installing Debian's chromium for the browser tests"
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

echo "== Installing npm packages and building the front end"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build

echo "== Creating the Python virtual environment in .venv"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"

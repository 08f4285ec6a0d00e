#!/usr/bin/env bash
# Install what camshare needs into the project folder: a Python virtualenv (.venv) and
# the bun binary Reflex builds the frontend with (.tooling, from the npm registry).
# With --dev: the test tools too, and Debian's Chromium for the browser tests.
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[ "${1:-}" = "--dev" ] && dev=1

python=${PYTHON:-python3}
# A venv made without pip (Debian's python3 lacks ensurepip until python3-venv is installed)
# is rebuilt, not reused.
if ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  rm -rf .venv
  if ! "$python" -m venv .venv >/dev/null 2>&1; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    else
      echo "Python cannot create a virtualenv here: install Debian's 'python3-venv' package." >&2
      exit 1
    fi
    "$python" -m venv .venv
  fi
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "$dev" = 1 ]; then
  .venv/bin/python -m pip install --quiet -r requirements-dev.txt
else
  .venv/bin/python -m pip install --quiet -r requirements.txt
fi

# Reflex would download bun from a website; take it from the npm registry instead.
if [ ! -x .tooling/node_modules/.bin/bun ]; then
  mkdir -p .tooling
  npm install --silent --no-audit --no-fund --no-save --prefix .tooling bun@1.4.5 >/dev/null 2>&1 \
    || npm install --no-audit --no-fund --no-save --prefix .tooling bun@1.4.5
fi

if [ "$dev" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Chromium is needed for the browser tests: install Debian's 'chromium' package." >&2
    exit 1
  fi
fi

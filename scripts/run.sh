#!/usr/bin/env bash
# Set up and run camshare on its embedded defaults: SQLite, SMS recorded in the on-screen
# outbox (/outbox), demo data. Every CAMSHARE_* setting in the environment is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
source scripts/env.sh
python -m camshare.cli migrate
if [ "${CAMSHARE_DEMO_MODE:-true}" = "true" ]; then
  echo "Demo campaign: $(python -m camshare.cli seed-demo)"
  echo "SMS outbox:    ${CAMSHARE_PUBLIC_BASE_URL:-http://localhost:3000}/outbox"
fi
exec reflex run --env prod

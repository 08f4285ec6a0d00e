# Source this file: the environment camshare's scripts run Reflex with.
# Reflex must not download bun (it cannot here): we install bun from the npm registry
# into .tooling/ and tell Reflex to use it. Its own tooling stays inside the project.
CAMSHARE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$CAMSHARE_ROOT/.venv/bin:$CAMSHARE_ROOT/.tooling/node_modules/.bin:$PATH"
export REFLEX_USE_SYSTEM_BUN=1
export REFLEX_DIR="$CAMSHARE_ROOT/.reflex"
export REFLEX_TELEMETRY_ENABLED=false
export REFLEX_CHECK_LATEST_VERSION=false
if [ -z "${NPM_CONFIG_REGISTRY:-}" ]; then
  NPM_CONFIG_REGISTRY="$(npm config get registry 2>/dev/null)"
  export NPM_CONFIG_REGISTRY
fi

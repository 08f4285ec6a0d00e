"""Start a Reflex production build on a loopback port, and stop it for sure.

Used by the browser tests and by the benchmarks. The server runs under `timeout`, in its
own process group, and is killed when the context ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from deploy.processes import free_port  # noqa: F401 - the tests' and benches' import


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


@dataclass
class RunningServer:
    """A started server: where it answers, and how to stop it early."""

    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        """Stop the server and everything it started (idempotent)."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)


@contextmanager
def reflex_prod_server(
    app_dir: Path,
    env: dict[str, str],
    port: int,
    log: Path,
    ready_path: str = "/",
    limit: float = 300,
    lifetime: int = 1800,
) -> Iterator[RunningServer]:
    """Run `reflex run --env prod` in ``app_dir`` on 127.0.0.1:``port``, stopped at the end."""
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
    server = RunningServer(url, process)
    try:
        _wait_until_up(url + ready_path, process, log, limit)
        yield server
    finally:
        server.stop()

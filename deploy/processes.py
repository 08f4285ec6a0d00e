"""Processes of the local topology: each in its own process group, killed for sure.

Every process is started with ``start_new_session`` (its children — granian's workers,
PostgreSQL's backends — share its group), registered with the watchdog
(``deploy/watchdog.py``: SIGKILL to every group still listed when this process dies) and
stopped with SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop_group(process: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 10.0) -> None:
    """``sig`` to the process's whole group, SIGKILL after ``grace`` seconds; then reap it.

    Also sweeps children left behind by a leader that already exited (a worker pool).
    """
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


class Watchdog:
    """The process that kills every registered group once this process is gone."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "deploy.watchdog"],
            stdin=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[1],
        )

    def _say(self, line: str) -> None:
        with suppress(BrokenPipeError, ValueError):
            self._process.stdin.write(line + "\n")
            self._process.stdin.flush()

    def watch(self, group: int) -> None:
        self._say(str(group))

    def forget(self, group: int) -> None:
        self._say(str(-group))

    def remove_later(self, folder: Path) -> None:
        """Delete ``folder`` when the watchdog ends (after killing what is left)."""
        self._say(str(Path(folder).resolve()))

    def close(self) -> None:
        """Kill whatever is still registered, and end the watchdog."""
        with suppress(BrokenPipeError, ValueError):
            self._process.stdin.close()
        self._process.wait(timeout=30)


@dataclass
class Service:
    """One long-running program of the topology: how to start it and how it is ready."""

    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    ready: Callable[[], bool]
    watchdog: Watchdog
    cwd: Path | None = None
    user: str | None = None  # run as this user (PostgreSQL refuses root)
    stop_signal: int = signal.SIGTERM  # PostgreSQL: SIGINT, its fast shutdown
    process: subprocess.Popen | None = field(default=None, init=False)

    def start(self, limit: float = 120.0) -> None:
        """Start it (its log appended to) and wait until ``ready`` says so."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=self.cwd,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=self.user,
                group=self.user,
            )
        self.watchdog.watch(self.process.pid)
        self.wait_ready(limit)

    def wait_ready(self, limit: float = 120.0) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.tail()}")
            if self.ready():
                return
            time.sleep(0.2)  # a starting server sends no event to wait on
        raise RuntimeError(f"{self.name} was not ready in {limit} s:\n{self.tail()}")

    def tail(self, size: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to its whole group, and reap it when it ends (SIGKILL: at once)."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        if sig == signal.SIGKILL:
            self.process.wait(timeout=30)
            self.watchdog.forget(self.process.pid)

    def stop(self, grace: float = 20.0) -> None:
        """``stop_signal`` to its group, SIGKILL after ``grace`` seconds (idempotent)."""
        if self.process is None:
            return
        stop_group(self.process, self.stop_signal, grace)
        self.watchdog.forget(self.process.pid)

    def restart(self, limit: float = 120.0) -> None:
        self.stop()
        self.start(limit)

"""The real bridge program (``python -m camshare_bridge``), run the way an owner runs it.

Its one-shot commands (``pair``, ``add-camera``, ``check``) with ``bridge``; ``run``, which
streams each share while it lasts, with ``running_bridge``, its output in a log file that
``tests.support.waiting.wait_for`` watches. Used by the standins tier, the e2e tier and
``bench/live_view.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
# The bridge's messages in English, whatever the machine's LANG.
ENV = {**os.environ, "CAMSHARE_BRIDGE_LANG": "en"}


def bridge(config: Path, *args: str) -> subprocess.CompletedProcess:
    """One bridge command with its config file ``config``; its exit code and output."""
    command = [sys.executable, "-m", "camshare_bridge", "--config", str(config), *args]
    return subprocess.run(
        command, cwd=PROJECT, env=ENV, capture_output=True, text=True, timeout=120
    )


@contextmanager
def running_bridge(config: Path, log: Path) -> Iterator[subprocess.Popen]:
    """``bridge run`` until the context ends (SIGTERM: it stops its relays and exits)."""
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "camshare_bridge", "--config", str(config), "run"],
            cwd=PROJECT,
            env=ENV,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)

"""Kill a topology's process groups when the process that started them dies.

``deploy.topology`` starts this with a pipe on its standard input and writes the id of
each process group it starts, one a line. When that pipe closes — the topology stopped,
or its process died, even by SIGKILL — every group still listed gets SIGKILL. A line
``-<pgid>`` takes a group off the list (it was stopped properly).
"""

from __future__ import annotations

import os
import signal
import sys
from contextlib import suppress


def main() -> None:
    # Not in the parent's process group: a Ctrl-C there must not kill the watchdog first.
    with suppress(OSError):
        os.setsid()
    groups: set[int] = set()
    for line in sys.stdin:
        with suppress(ValueError):
            number = int(line.strip())
            if number < 0:
                groups.discard(-number)
            else:
                groups.add(number)
    for group in groups:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)


if __name__ == "__main__":
    main()

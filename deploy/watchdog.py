"""Kill a topology's process groups when the process that started them dies.

``deploy.topology`` starts this with a pipe on its standard input and writes the id of
each process group it starts, one a line. When that pipe closes — the topology stopped,
or its process died, even by SIGKILL — every group still listed gets SIGKILL. A line
``-<pgid>`` takes a group off the list (it was stopped properly); a line that is an
absolute path names a folder to delete once the groups are dead (PostgreSQL's data).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from contextlib import suppress


def main() -> None:
    # Not in the parent's process group: a Ctrl-C there must not kill the watchdog first.
    with suppress(OSError):
        os.setsid()
    groups: set[int] = set()
    folders: list[str] = []
    for line in sys.stdin:
        if line.startswith("/"):
            folders.append(line.strip())
            continue
        with suppress(ValueError):
            number = int(line.strip())
            if number < 0:
                groups.discard(-number)
            else:
                groups.add(number)
    for group in groups:
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signal.SIGKILL)
    if folders:
        time.sleep(1)  # the killed processes let go of their files
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

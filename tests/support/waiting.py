"""Waiting, bounded, for something another process does: the tests' one polling loop.

For parts under test that send no event to wait on (a subprocess's output, a server
coming back, messages arriving at a stand-in). A tab on the event socket has its own
``Tab.wait_for`` (bench/reflex_socket.py), which waits on the messages themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(condition: Callable[[], T], limit: float, what: str, every: float = 0.1) -> T:
    """``condition()``'s first truthy answer within ``limit`` seconds, else AssertionError.

    ``what`` says what was awaited, for the failure's message. An exception ``condition``
    raises (an AssertionError for a process that exited, say) ends the wait at once.
    """
    deadline = time.monotonic() + limit
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"not within {limit} s: {what}")
        time.sleep(every)

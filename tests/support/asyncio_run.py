"""Run a coroutine to completion from a plain test, whatever loop the thread has.

Playwright's sync API keeps an event loop running in the main thread for the whole
session once a browser test has run, and ``asyncio.run`` refuses to start inside one;
a thread of its own always has none.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)`` in a fresh thread, with this thread's context variables
    (Reflex keeps its state registry in one); returns its result or raises its error."""
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(context.run, asyncio.run, coroutine).result()

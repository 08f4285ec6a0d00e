"""Many requests at the same instant, each in its own session and connection, as tabs are."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from camshare.db import make_engine
from camshare.services.errors import DomainError

WIDEST = 40


def all_at_once(
    factory: sessionmaker[Session],
    work: Callable[[Session, int], Any],
    times: int = 20,
) -> list[Any]:
    """Run ``work(session, n)`` ``times`` times in parallel, released together by a barrier.

    Each call commits on return and rolls back on a DomainError, as ``runtime.in_session``
    does; the result is the call's return value, or the error's message key. Connections
    are opened before the barrier, so the calls really start together (the factory's pool
    must hold ``times`` connections: see ``wide_factory``).
    """
    start = threading.Barrier(times)

    def one(n: int) -> Any:
        with factory() as session:
            session.execute(text("SELECT 1"))
            start.wait(timeout=30)
            try:
                result = work(session, n)
            except DomainError as error:
                session.rollback()
                return error.key
            session.commit()
            return result

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(one, range(times)))


@contextmanager
def wide_factory(url: str) -> Iterator[sessionmaker[Session]]:
    """A session factory on ``url`` whose pool holds the widest burst at once.

    Every call of a burst holds its connection before the barrier: connections opened
    one after another (PostgreSQL's take milliseconds each) would space the burst out.
    """
    engine = make_engine(url, pool_size=WIDEST, max_overflow=0)
    try:
        yield sessionmaker(bind=engine, expire_on_commit=False)
    finally:
        engine.dispose()


def tally(results: list[Any]) -> Counter:
    """How many times each answer came back."""
    return Counter(results)

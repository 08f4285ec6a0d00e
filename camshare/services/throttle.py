"""One rate limit shared by every process of an installation, kept in the database."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from camshare.models import ThrottleSlot, utcnow


def reserve_slot(
    factory: sessionmaker[Session], name: str, spacing: float, now: datetime | None = None
) -> float:
    """Book the next free moment for ``name``; returns how many seconds to wait for it.

    The row is locked while it is read and moved on (on SQLite the write lock does the
    same), so two processes never get the same moment.
    """
    now = now or utcnow()
    for _ in range(3):  # the first use of a name may race another process's insert
        try:
            with factory() as session, session.begin():
                slot = session.scalar(
                    select(ThrottleSlot).where(ThrottleSlot.name == name).with_for_update()
                )
                if slot is None:
                    session.add(ThrottleSlot(name=name, next_at=now + timedelta(seconds=spacing)))
                    return 0.0
                start = max(now, slot.next_at)
                slot.next_at = start + timedelta(seconds=spacing)
                return (start - now).total_seconds()
        except IntegrityError:
            continue
    return spacing


def spaced(factory: sessionmaker[Session], name: str, spacing: float) -> Callable[[], None]:
    """A function that blocks until the caller's turn, ``spacing`` seconds apart app-wide."""

    def wait_turn() -> None:
        pause = reserve_slot(factory, name, spacing)
        if pause > 0:
            time.sleep(pause)

    return wait_turn

"""Limits shared by every process of an installation, kept in the database.

Two uses of one ``throttle_slot`` row per name: a pace (``reserve_slot``: moments a spacing
apart) and a lock (``hold``: whoever counts toward an "at most N" rule holds the name's row
until their transaction ends, so counting and adding cannot interleave). And the one way a
"last seen" moment is kept without a write on every request (``due``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from camshare.models import ThrottleSlot


def due(written_at: datetime | None, now: datetime, every: timedelta) -> bool:
    """Whether a moment last written at ``written_at`` is to be written again ``now``.

    A session's, a device's or a share's "last seen" is asked for on every request (a player
    fetches, a bridge pushes every second); writing it each time serialises SQLite's writers.
    Written at most ``every`` instead, it lags the truth by less than that, which the readers
    allow for.
    """
    return written_at is None or now - written_at >= every


def slot_name(prefix: str, key: str) -> str:
    """One of 256 lock rows under ``prefix`` for ``key`` (an address, a message id).

    Hashed, so any key fits the column; bucketed, so the table stays small with no job to
    prune it. Two keys sharing a bucket only queue behind each other, which is harmless.
    """
    return f"{prefix}:{hashlib.sha256(key.encode()).hexdigest()[:2]}"


def _ensure(session: Session, name: str) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(ThrottleSlot).values(name=name, next_at=0.0).on_conflict_do_nothing())


def hold(session: Session, name: str) -> None:
    """Hold ``name``'s row until ``session``'s transaction ends; callers queue up behind it.

    A write, not ``SELECT ... FOR UPDATE``: that does nothing on SQLite, whose writers queue
    only once they have written. So call this before reading what a limit counts: the
    reads after it see every rival that finished, and no rival can start until this
    transaction ends (PostgreSQL locks the row, SQLite the whole database).
    """
    _ensure(session, name)
    session.execute(
        update(ThrottleSlot)
        .where(ThrottleSlot.name == name)
        .values(next_at=ThrottleSlot.next_at)
        .execution_options(synchronize_session=False)
    )


def reserve_slot(
    factory: sessionmaker[Session], name: str, spacing: float, now: float | None = None
) -> float:
    """Book the next free moment for ``name``; returns how many seconds to wait for it.

    Commits part-way, by design: the booking is committed at once in its own transaction
    (``factory``), apart from the caller's, so every process sees the turn taken.

    One UPDATE reads and moves the slot, so callers in any process, at the same instant,
    still get moments ``spacing`` apart (PostgreSQL locks the row, SQLite the database).
    """
    with factory() as session, session.begin():
        _ensure(session, name)
        # Hold the slot before reading the clock: read first, a caller that waited for the
        # lock would book a moment already past and send too soon after the one before.
        # (SQLite's write lock is held since the INSERT; PostgreSQL locks the row here.)
        session.execute(
            select(ThrottleSlot.next_at).where(ThrottleSlot.name == name).with_for_update()
        )
        now = time.time() if now is None else now
        later = case((ThrottleSlot.next_at > now, ThrottleSlot.next_at), else_=now)
        booked_until = session.execute(
            update(ThrottleSlot)
            .where(ThrottleSlot.name == name)
            .values(next_at=later + spacing)
            .returning(ThrottleSlot.next_at)
        ).scalar_one()
    return max(0.0, booked_until - spacing - now)


def spaced(factory: sessionmaker[Session], name: str, spacing: float) -> Callable[[], None]:
    """A function that blocks until the caller's turn, ``spacing`` seconds apart app-wide."""

    def wait_turn() -> None:
        pause = reserve_slot(factory, name, spacing)
        if pause > 0:
            time.sleep(pause)

    return wait_turn

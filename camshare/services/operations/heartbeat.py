"""The dispatcher's heartbeat: written by each worker every few seconds, read by /readyz."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from camshare.models import WorkerHeartbeat, utcnow

DISPATCHER = "dispatcher"


def beat(
    session: Session, worker: str, role: str = DISPATCHER, now: datetime | None = None
) -> None:
    """Record that ``worker`` (host:pid) is alive now; one upsert, safe with many workers."""
    insert = postgresql_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    values = {"role": role, "beat_at": now or utcnow(), "worker": worker[:128]}
    statement = insert(WorkerHeartbeat).values(**values)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[WorkerHeartbeat.role],
            set_={"beat_at": statement.excluded.beat_at, "worker": statement.excluded.worker},
        )
    )


def last_beat(session: Session, role: str = DISPATCHER) -> datetime | None:
    """When a worker of ``role`` last beat (None: never)."""
    return session.scalar(select(WorkerHeartbeat.beat_at).where(WorkerHeartbeat.role == role))


def is_fresh(last: datetime | None, stale_after: timedelta, now: datetime | None = None) -> bool:
    """Whether a heartbeat at ``last`` is recent enough."""
    return last is not None and (now or utcnow()) - last <= stale_after

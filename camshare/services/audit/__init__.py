"""The append-only audit log: every action that matters leaves one row.

Writing it is ``record`` (here, as every use case calls it); browsing it is ``browsing``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from camshare.models import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    subject: str | None = None,
    ip_address: str | None = None,
    *,
    at: datetime | None = None,
    **detail: object,
) -> None:
    """Add an audit event to the caller's transaction, stamped ``at`` (default: now).

    Use cases that take a ``now`` pass it, so that limits counted from the log (failed
    sign-ins per address) and tests agree with the clock they were given.
    """
    event = AuditEvent(
        actor=actor, action=action, subject=subject, ip_address=ip_address, detail=detail
    )
    if at is not None:
        event.at = at
    session.add(event)

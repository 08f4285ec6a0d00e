"""The append-only audit log: every action that matters leaves one row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from camshare.models import AuditEvent


def record(
    session: Session,
    actor: str,
    action: str,
    subject: str | None = None,
    ip_address: str | None = None,
    **detail: object,
) -> None:
    """Add an audit event to the caller's transaction."""
    session.add(
        AuditEvent(
            actor=actor, action=action, subject=subject, ip_address=ip_address, detail=detail
        )
    )

"""Browsing the audit log: admins search it newest first, and each search is itself audited.

Paging is by id ("the rows older than this one"), so new events arriving while an admin
pages never shift or repeat rows. Ids grow with time, so newest first is highest id first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from camshare.models import AuditEvent
from camshare.services import audit
from camshare.services.permissions import Actor, authorize

MAX_LIMIT = 200
FILTER_MAX = 64


@dataclass(frozen=True)
class AuditRow:
    """One audit event as the log page shows it."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str | None
    ip_address: str | None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditPage:
    """A page of events, newest first; ``next_before_id`` pages on to older ones (None: no more)."""

    rows: list[AuditRow]
    next_before_id: int | None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _clean(text: str | None) -> str:
    return (text or "").strip()[:FILTER_MAX]


def search_audit(
    session: Session,
    actor: Actor,
    *,
    action: str | None = None,
    actor_contains: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> AuditPage:
    """Audit events matching every filter given, newest first; records an "audit.viewed" event.

    ``action`` matches actions starting with it (an exact action from the list, or a prefix
    such as "staff."); ``actor_contains`` matches anywhere in the actor, ignoring case;
    ``since`` is inclusive and ``until`` exclusive (aware datetimes); ``before_id`` gives the
    rows older than that event (the previous page's ``next_before_id``).
    """
    authorize(actor, "audit.view")
    limit = max(1, min(int(limit), MAX_LIMIT))
    action_text = _clean(action).lower()
    actor_text = _clean(actor_contains).lower()

    query = select(AuditEvent)
    if action_text:
        query = query.where(AuditEvent.action.like(_like_escape(action_text) + "%", escape="\\"))
    if actor_text:
        query = query.where(
            func.lower(AuditEvent.actor).like(f"%{_like_escape(actor_text)}%", escape="\\")
        )
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    events = list(session.scalars(query.order_by(AuditEvent.id.desc()).limit(limit + 1)))

    more = len(events) > limit
    events = events[:limit]
    rows = [
        AuditRow(
            id=event.id,
            at=event.at,
            actor=event.actor,
            action=event.action,
            subject=event.subject,
            ip_address=event.ip_address,
            detail=dict(event.detail or {}),
        )
        for event in events
    ]
    # Reading the log is an action too: who looked for what.
    audit.record(
        session,
        actor.audit_name,
        "audit.viewed",
        None,
        actor.ip_address,
        filter_action=action_text or None,
        filter_actor=actor_text or None,
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        before_id=before_id,
        shown=len(rows),
    )
    return AuditPage(rows=rows, next_before_id=rows[-1].id if more and rows else None)


def audit_actions(session: Session, actor: Actor) -> list[str]:
    """The distinct actions present in the log, alphabetically (for the filter's list)."""
    authorize(actor, "audit.view")
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))

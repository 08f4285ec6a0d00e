"""Browsing the audit log: only admins, filters, paging by id, and each search audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from camshare.models import AuditEvent
from camshare.services.audit import browsing as audit_log
from camshare.services.permissions import ROLES, Forbidden
from tests.support.access_builders import staff

T0 = datetime(2026, 5, 4, 14, 0, tzinfo=UTC)


def event(session: Session, action: str, actor: str = "staff:someone", at: datetime = T0, **d):
    """One audit row at a chosen moment."""
    row = AuditEvent(
        at=at,
        actor=actor,
        action=action,
        subject="staff_user:1",
        ip_address="203.0.113.7",
        detail=d,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def log(session: Session) -> Session:
    """An audit log holding only the rows a test adds."""
    session.execute(delete(AuditEvent))
    session.flush()
    return session


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_may_search_the_log(log, role):
    actor = staff(log, role)

    with pytest.raises(Forbidden):
        audit_log.search_audit(log, actor)
    with pytest.raises(Forbidden):
        audit_log.audit_actions(log, actor)
    with pytest.raises(Forbidden):
        audit_log.search_audit(log, None)
    assert log.scalars(select(AuditEvent.action)).all() == []


def test_an_admin_sees_events_newest_first_with_their_fields(log):
    admin = staff(log, "admin")
    first = event(log, "staff.created", username="ana")
    second = event(log, "staff.disabled", at=T0 + timedelta(minutes=1), sessions_ended=2)

    page = audit_log.search_audit(log, admin)

    assert [r.id for r in page.rows] == [second.id, first.id]
    assert page.next_before_id is None
    row = page.rows[0]
    assert (row.actor, row.action, row.subject, row.ip_address) == (
        "staff:someone",
        "staff.disabled",
        "staff_user:1",
        "203.0.113.7",
    )
    assert row.detail == {"sessions_ended": 2}
    assert row.at == T0 + timedelta(minutes=1)


def test_each_search_is_itself_audited_with_its_filters(log):
    admin = staff(log, "admin")
    since = T0 - timedelta(days=1)

    page = audit_log.search_audit(log, admin, action="staff.", actor_contains="Ana", since=since)
    log.flush()

    viewed = log.scalars(select(AuditEvent).where(AuditEvent.action == "audit.viewed")).one()
    assert viewed.actor == admin.audit_name
    assert viewed.ip_address == admin.ip_address
    assert viewed.detail["filter_action"] == "staff."
    assert viewed.detail["filter_actor"] == "ana"
    assert viewed.detail["since"] == since.isoformat()
    assert viewed.detail["until"] is None
    assert viewed.detail["shown"] == len(page.rows) == 0
    # The next search sees the earlier one.
    assert [r.action for r in audit_log.search_audit(log, admin).rows] == ["audit.viewed"]


def test_filters_by_action_prefix_actor_and_dates(log):
    admin = staff(log, "admin")
    created = event(log, "staff.created", actor="staff:maria.lopez")
    disabled = event(log, "staff.disabled", actor="staff:admin1", at=T0 + timedelta(days=1))
    revealed = event(log, "owner.revealed", actor="staff:Maria_X", at=T0 + timedelta(days=2))

    def ids(**filters):
        return [r.id for r in audit_log.search_audit(log, admin, **filters).rows]

    assert ids(action="staff.") == [disabled.id, created.id]
    assert ids(action="staff.created") == [created.id]
    assert ids(action="STAFF.DIS") == [disabled.id]
    assert ids(action="staff%") == []  # wildcards are taken literally
    assert ids(actor_contains="maria") == [revealed.id, created.id]
    assert ids(actor_contains="a_x") == [revealed.id]
    assert ids(since=T0 + timedelta(days=1), action="staff") == [disabled.id]
    assert ids(until=T0 + timedelta(days=1), action="staff") == [created.id]
    assert ids(since=T0, until=T0 + timedelta(days=2), actor_contains="staff:") == [
        disabled.id,
        created.id,
    ]
    assert audit_log.audit_actions(log, admin) == [
        "audit.viewed",
        "owner.revealed",
        "staff.created",
        "staff.disabled",
    ]


def test_pages_by_id_with_no_repeats_and_no_gaps(log):
    admin = staff(log, "admin")
    rows = [event(log, "staff.unlocked", at=T0 + timedelta(seconds=i)) for i in range(7)]
    newest_first = [r.id for r in reversed(rows)]

    seen, before = [], None
    pages = 0
    while True:
        page = audit_log.search_audit(log, admin, action="staff.", before_id=before, limit=3)
        seen += [r.id for r in page.rows]
        pages += 1
        before = page.next_before_id
        if before is None:
            break

    assert pages == 3
    assert seen == newest_first
    # Exactly a page's worth left: no empty page after it.
    page = audit_log.search_audit(log, admin, action="staff.", before_id=newest_first[2], limit=4)
    assert [r.id for r in page.rows] == newest_first[3:]
    assert page.next_before_id is None


def test_the_limit_is_bounded(log):
    admin = staff(log, "admin")
    for i in range(3):
        event(log, "staff.enabled", at=T0 + timedelta(seconds=i))

    assert len(audit_log.search_audit(log, admin, action="staff", limit=0).rows) == 1
    assert len(audit_log.search_audit(log, admin, action="staff", limit=10_000).rows) == 3

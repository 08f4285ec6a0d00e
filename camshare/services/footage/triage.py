"""Police decide about each file: accept into evidence, decline; supervisors hold; grants.

Each decision is one audit event on the file (its custody record) and reschedules its
deletion through ``retention.schedule``, the one writer of ``delete_after``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from camshare.models import FootageFile, FootageGrant, StaffUser, utcnow
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.footage import retention
from camshare.services.footage.access import require, require_file
from camshare.services.permissions import Actor, may
from camshare.vocabulary import FOOTAGE_GRANTS

DECISIONS = {"accepted": "footage.accepted", "declined": "footage.declined"}
HOLD_REASON_MAX = 500


@dataclass(frozen=True)
class FileDecision:
    """A file's state after a decision."""

    file_id: int
    status: str
    hold_reason: str | None
    delete_after: datetime | None


def _decision(file: FootageFile) -> FileDecision:
    return FileDecision(file.id, file.status, file.hold_reason, file.delete_after)


def _locked(session: Session, file_id: int) -> FootageFile | None:
    # Two officers pressing at once: the second waits and sees the first's decision.
    return session.scalar(select(FootageFile).where(FootageFile.id == file_id).with_for_update())


def decide(
    session: Session,
    actor: Actor,
    file_id: int,
    decision: str,
    settings,
    now: datetime | None = None,
) -> FileDecision:
    """Accept a file into evidence or decline it (a decision may be changed, not on hold)."""
    if decision not in DECISIONS:
        raise DomainError("custody.error.decision")
    now = now or utcnow()
    require_file(session, actor, file_id, "triage")
    file = _locked(session, file_id)
    if file.status == "deleted":
        raise DomainError("custody.error.deleted")
    if file.hold_reason and decision != "accepted":
        raise DomainError("custody.error.on_hold")
    if file.status == decision:
        return _decision(file)
    file.status = decision
    file.triaged_at = now
    file.triaged_by_id = actor.user_id
    retention.schedule(session, file, settings)
    audit.record(
        session,
        actor.audit_name,
        DECISIONS[decision],
        f"footage:{file.id}",
        actor.ip_address,
        at=now,
        request_id=file.request_id,
        role=actor.role,
    )
    return _decision(file)


def hold(
    session: Session,
    actor: Actor,
    file_id: int,
    reason: str,
    settings,
    now: datetime | None = None,
) -> FileDecision:
    """A supervisor's legal hold on an accepted file: it is not deleted until released."""
    now = now or utcnow()
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("custody.error.hold_reason", field="hold_reason")
    if len(reason) > HOLD_REASON_MAX:
        raise DomainError(
            "custody.error.hold_reason_long", field="hold_reason", max=HOLD_REASON_MAX
        )
    require_file(session, actor, file_id, "hold")
    file = _locked(session, file_id)
    if file.status != "accepted":
        raise DomainError("custody.error.hold_needs_accepted")
    file.hold_reason = reason
    file.held_by_id = actor.user_id
    retention.schedule(session, file, settings)
    audit.record(
        session,
        actor.audit_name,
        "footage.held",
        f"footage:{file.id}",
        actor.ip_address,
        at=now,
        request_id=file.request_id,
        reason=reason,
    )
    return _decision(file)


def release(
    session: Session, actor: Actor, file_id: int, settings, now: datetime | None = None
) -> FileDecision:
    """A supervisor ends a hold: the file's deletion is scheduled again."""
    now = now or utcnow()
    require_file(session, actor, file_id, "hold")
    file = _locked(session, file_id)
    if not file.hold_reason:
        return _decision(file)
    file.hold_reason = None
    file.held_by_id = None
    retention.schedule(session, file, settings)
    audit.record(
        session,
        actor.audit_name,
        "footage.released",
        f"footage:{file.id}",
        actor.ip_address,
        at=now,
        request_id=file.request_id,
    )
    return _decision(file)


@dataclass(frozen=True)
class GrantRow:
    """A staff member added to a request's footage."""

    username: str
    display_name: str
    grant: str


def grant(
    session: Session,
    actor: Actor,
    request_id: int,
    username: str,
    level: str | None,
    settings,
    now: datetime | None = None,
) -> GrantRow:
    """Add a police member to a request's footage (view, or view and download).

    ``level`` None takes the installation's default (``footage_grant_default``). Granting
    again changes the level; it never makes a second row.
    """
    now = now or utcnow()
    level = level or settings.footage_grant_default
    if level not in FOOTAGE_GRANTS:
        raise DomainError("custody.error.grant_level")
    request, _access = require(session, actor, request_id, "grant")
    member = session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))
    if member is None or member.disabled_at is not None:
        raise DomainError("custody.error.grant_unknown", field="grant_username")
    if not may(member.role, "footage.view"):
        # Outreach and admins see no footage, whoever asks.
        raise DomainError("custody.error.grant_role", field="grant_username")
    row = _grant_row(session, request.id, member.id)
    if row is None:
        try:
            with session.begin_nested():
                row = FootageGrant(
                    request_id=request.id,
                    staff_user_id=member.id,
                    level=level,
                    granted_by_id=actor.user_id,
                    granted_at=now,
                )
                session.add(row)
        except IntegrityError:
            # Someone granted the same member at the same moment: change theirs.
            row = _grant_row(session, request.id, member.id)
    row.level = level
    row.granted_by_id = actor.user_id
    row.granted_at = now
    audit.record(
        session,
        actor.audit_name,
        "footage.granted",
        f"request:{request.id}",
        actor.ip_address,
        at=now,
        member=member.username,
        level=level,
    )
    return GrantRow(member.username, member.display_name, level)


def revoke(
    session: Session, actor: Actor, request_id: int, username: str, now: datetime | None = None
) -> None:
    """Take a member off a request's footage: their open links stop working at once."""
    request, _access = require(session, actor, request_id, "grant")
    member = session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))
    row = _grant_row(session, request.id, member.id) if member else None
    if row is None:
        return
    session.delete(row)
    audit.record(
        session,
        actor.audit_name,
        "footage.revoked",
        f"request:{request.id}",
        actor.ip_address,
        at=now or utcnow(),
        member=member.username,
    )


def grants(session: Session, actor: Actor, request_id: int) -> tuple[GrantRow, ...]:
    """Who was added to a request's footage (for those who may add)."""
    request, _access = require(session, actor, request_id, "grant")
    rows = session.execute(
        select(StaffUser.username, StaffUser.display_name, FootageGrant.level)
        .join(FootageGrant, FootageGrant.staff_user_id == StaffUser.id)
        .where(FootageGrant.request_id == request.id)
        .order_by(StaffUser.username)
    ).all()
    return tuple(GrantRow(*row) for row in rows)


def _grant_row(session: Session, request_id: int, member_id: int) -> FootageGrant | None:
    return session.scalar(
        select(FootageGrant).where(
            FootageGrant.request_id == request_id, FootageGrant.staff_user_id == member_id
        )
    )

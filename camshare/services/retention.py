"""Retention: what is deleted, and when. The worker runs ``purge`` every hour.

Each rule is a function of its own, counted from the ``now`` it is given, and each purge
that removes anything writes one audit event "retention.purged" (actor "system") with its
rule, its cut-off and its counts: the purge itself is logged. A run that finds nothing
writes nothing, so the hourly schedule does not fill the log with empty events.

Closed requests (``retention_request_details_days``, 180 by default)
    A request closed, rejected or withdrawn longer ago than that loses what ties it to
    people and places; what the transparency page and the staff's history count is kept.

    Cleared on the request: ``address_text`` (the incident's address), ``message`` (the
    officer's free text, which may name people) and ``decision_note``; ``lat``/``lon`` are
    rounded to 3 decimals (about 100 m, a block). Kept: case number, incident type,
    emergency flag, block label, ZIP code, time window, radius, status, who created and
    decided it, and every timestamp (created, decided, sent, expires, closed).

    Cleared on each recipient: ``owner_id`` (who was asked), ``site_ids`` (where),
    ``note`` (what the owner wrote), the link (``token_sha256`` becomes the hash of a fresh
    random token nobody holds) and ``outbox_message_id``. Kept: ``answer``,
    ``answered_at``, ``answered_via``, ``opened_at`` and ``distance_m``. The transparency
    page's answers (approved, declined, no answer) and median time to answer come from
    recipients' ``answer``/``answered_at`` and the request's ``sent_at`` and ``status``,
    so its figures are the same before and after.

    Deleted: the outbox messages that carried those requests (phone number and text), and
    every inbound SMS (a number and what it said) received before the same cut-off.

Unfinished sign-ups (``draft_ttl_hours``, 24 by default)
    Drafts never completed, past their expiry, with their codes
    (``registration.purge_expired_drafts``). The funnel's counts live on campaign visits.

Links, sessions and codes (``retention_tokens_hours``, 24 by default)
    Deleted once used, expired or revoked longer ago than that: owner links, owner sessions,
    staff sessions; phone verification codes created before the cut-off; and the outbox
    messages that carried verification codes, once sent, failed or expired.

Audit entries (``retention_audit_days``, 1095 by default: 3 years)
    Deleted when older; the purge's own event is written after the delete, so it stays.
    Except a kept file's chain of custody: while a file's bytes exist (received, accepted,
    declined; held or not), every entry on ``footage:<id>`` and the ``footage.*`` entries
    on its request (grants, exports) stay, however old: accepted evidence is kept
    ``footage_evidence_days`` after its request closes, or longer on hold, and its custody
    record must last as long. Once the file is deleted, its trail ages out like the rest.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, delete, literal, or_, select, update
from sqlalchemy.orm import Session

from camshare.models import (
    AccessRecipient,
    AccessRequest,
    AuditEvent,
    FootageFile,
    InboundSms,
    OutboxMessage,
    OwnerLink,
    OwnerSession,
    PhoneVerification,
    StaffSession,
    utcnow,
)
from camshare.services import audit
from camshare.services.footage import retention as footage_retention
from camshare.services.registration import purge_expired_drafts
from camshare.services.tokens import new_token, token_hash
from camshare.settings import Settings

CLOSED_STATUSES = ("closed", "rejected", "withdrawn")
# Incident points keep this many decimals after purging: about 110 m north-south.
KEPT_DECIMALS = 3


def _log(session: Session, rule: str, cutoff: datetime, now: datetime, counts: dict) -> None:
    if any(counts.values()):
        audit.record(
            session,
            "system",
            "retention.purged",
            f"retention:{rule}",
            at=now,
            rule=rule,
            cutoff=cutoff.isoformat(),
            **counts,
        )


def _deleted(session: Session, statement) -> int:
    result = session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)


def purge_request_details(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Clear the personal details of requests closed before the cut-off (see the module)."""
    cutoff = now - timedelta(days=settings.retention_request_details_days)
    closed = (
        AccessRequest.status.in_(CLOSED_STATUSES),
        AccessRequest.closed_at.is_not(None),
        AccessRequest.closed_at < cutoff,
    )
    pending_recipient = (
        select(AccessRecipient.id)
        .where(
            AccessRecipient.request_id == AccessRequest.id,
            or_(
                AccessRecipient.owner_id.is_not(None),
                AccessRecipient.note.is_not(None),
                AccessRecipient.outbox_message_id.is_not(None),
            ),
        )
        .exists()
    )
    requests = session.scalars(
        select(AccessRequest)
        .where(
            *closed,
            or_(
                AccessRequest.address_text.is_not(None),
                AccessRequest.message != "",
                AccessRequest.decision_note.is_not(None),
                pending_recipient,
            ),
        )
        .order_by(AccessRequest.id)
    ).all()
    request_ids = [r.id for r in requests]
    recipients: list[tuple[int, int | None]] = []
    if request_ids:
        recipients = [
            (rid, mid)
            for rid, mid in session.execute(
                select(AccessRecipient.id, AccessRecipient.outbox_message_id).where(
                    AccessRecipient.request_id.in_(request_ids)
                )
            )
        ]
    for request in requests:
        request.address_text = None
        request.message = ""
        request.decision_note = None
        request.lat = round(request.lat, KEPT_DECIMALS)
        request.lon = round(request.lon, KEPT_DECIMALS)
    if recipients:
        session.execute(
            update(AccessRecipient),
            [
                {
                    "id": rid,
                    "owner_id": None,
                    "site_ids": {},
                    "note": None,
                    "token_sha256": token_hash(new_token()),
                    "outbox_message_id": None,
                }
                for rid, _ in recipients
            ],
        )
    message_ids = [mid for _, mid in recipients if mid is not None]
    messages = 0
    if message_ids:
        messages = _deleted(session, delete(OutboxMessage).where(OutboxMessage.id.in_(message_ids)))
    inbound = _deleted(session, delete(InboundSms).where(InboundSms.received_at < cutoff))
    counts = {
        "requests": len(requests),
        "recipients": len(recipients),
        "messages": messages,
        "inbound_sms": inbound,
    }
    _log(session, "request_details", cutoff, now, counts)
    session.flush()
    for request in requests:
        session.expire(request, ["recipients"])
    return counts


def purge_drafts(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Delete unfinished sign-ups past their expiry (``draft_ttl_hours`` after their start)."""
    counts = {"drafts": purge_expired_drafts(session, now)}
    session.flush()
    _log(session, "drafts", now - timedelta(hours=settings.draft_ttl_hours), now, counts)
    return counts


def purge_tokens(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Delete links, sessions and codes used, expired or revoked before the cut-off."""
    cutoff = now - timedelta(hours=settings.retention_tokens_hours)
    counts = {
        "owner_links": _deleted(
            session,
            delete(OwnerLink).where(or_(OwnerLink.expires_at < cutoff, OwnerLink.used_at < cutoff)),
        ),
        "owner_sessions": _deleted(
            session,
            delete(OwnerSession).where(
                or_(OwnerSession.expires_at < cutoff, OwnerSession.revoked_at < cutoff)
            ),
        ),
        "staff_sessions": _deleted(
            session,
            delete(StaffSession).where(
                or_(StaffSession.expires_at < cutoff, StaffSession.revoked_at < cutoff)
            ),
        ),
        "phone_verifications": _deleted(
            session, delete(PhoneVerification).where(PhoneVerification.created_at < cutoff)
        ),
        "code_messages": _deleted(
            session,
            delete(OutboxMessage).where(
                OutboxMessage.purpose == "verification_code",
                OutboxMessage.created_at < cutoff,
                or_(
                    OutboxMessage.status.not_in(("queued", "sending")),
                    OutboxMessage.expires_at <= now,
                ),
            ),
        ),
    }
    _log(session, "tokens", cutoff, now, counts)
    return counts


def _custody_trail():
    """The audit entries that are a kept file's chain of custody (see the module)."""
    kept = FootageFile.status.in_(footage_retention.KEPT)
    files = select(literal("footage:", String) + cast(FootageFile.id, String)).where(kept)
    requests = select(literal("request:", String) + cast(FootageFile.request_id, String)).where(
        kept
    )
    return or_(
        AuditEvent.subject.in_(files),
        and_(AuditEvent.action.like("footage.%"), AuditEvent.subject.in_(requests)),
    )


def purge_audit(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Delete audit entries older than ``retention_audit_days``, except the custody trail
    of files still kept; this purge's event stays."""
    cutoff = now - timedelta(days=settings.retention_audit_days)
    old = delete(AuditEvent).where(
        AuditEvent.at < cutoff,
        or_(AuditEvent.subject.is_(None), ~_custody_trail()),
    )
    counts = {"audit_events": _deleted(session, old)}
    _log(session, "audit", cutoff, now, counts)
    return counts


def purge_messages(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Delete any text message done with (sent, failed, expired, suppressed) before the
    cut-off of ``retention_request_details_days``: receipts, notices and reminders keep a
    phone number, and their use ends long before that."""
    cutoff = now - timedelta(days=settings.retention_request_details_days)
    counts = {
        "messages": _deleted(
            session,
            delete(OutboxMessage).where(
                OutboxMessage.status.in_(("sent", "failed", "expired", "suppressed")),
                OutboxMessage.created_at < cutoff,
                ~OutboxMessage.id.in_(
                    select(AccessRecipient.outbox_message_id).where(
                        AccessRecipient.outbox_message_id.is_not(None)
                    )
                ),
            ),
        )
    }
    _log(session, "messages", cutoff, now, counts)
    return counts


def purge(session: Session, settings: Settings, now: datetime | None = None) -> dict[str, int]:
    """Apply every retention rule at ``now``; the number of rows touched, by kind."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    # The audit purge runs first, so the other purges' events written now are never at risk.
    for rule in (purge_audit, purge_request_details, purge_messages, purge_drafts, purge_tokens):
        counts.update(rule(session, settings, now))
    session.flush()
    return counts

"""Retention: each period just before and just after, the purges logged, the aggregates kept."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from camshare.models import (
    AccessRecipient,
    AccessRequest,
    AuditEvent,
    InboundSms,
    OutboxMessage,
    Owner,
    OwnerLink,
    OwnerSession,
    PhoneVerification,
    RegistrationDraft,
    StaffSession,
    utcnow,
)
from camshare.services import audit, retention
from camshare.services.access.requests import create_request, expire_due_requests
from camshare.services.agreements import texts as agreements
from camshare.services.messaging.outbox import enqueue_sms
from camshare.services.public import transparency
from camshare.services.tokens import new_token, token_hash
from camshare.worker import upkeep
from tests.integration.test_worker import run_worker_once
from tests.support.access_builders import NOW, draft, point_at, registered_owner, staff
from tests.support.custody_builders import MemoryStorage, footage_request, received_file

SECOND = timedelta(seconds=1)


def purge_events(session, rule: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == "retention.purged")
    if rule:
        query = query.where(AuditEvent.subject == f"retention:{rule}")
    return list(session.scalars(query.order_by(AuditEvent.id)))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- closed requests -------------------------------------------------------------------------


@pytest.fixture
def closed_request(session, settings):
    """A request sent at NOW to 6 owners, 5 of whom approved with a note; closed at expiry."""
    settings = dataclasses.replace(settings, request_needs_approval=False)
    agreements.publish_bundled(session)  # the transparency page shows the agreement too
    for index in range(6):
        registered_owner(session, point_at(30 + 10 * index))
    police = staff(session, "police")
    created = create_request(session, police, draft(), set(), settings, NOW)
    request = session.get(AccessRequest, created.request_id)
    for recipient in request.recipients[:5]:
        recipient.answer, recipient.answered_at = "approved", NOW + timedelta(minutes=20)
        recipient.answered_via, recipient.note = "link", "Call me after 6, I am at 1523 Marilla"
        recipient.opened_at = NOW + timedelta(minutes=10)
    closed_at = NOW + timedelta(hours=settings.request_expiry_hours)
    session.add(
        InboundSms(
            provider_sid="SM-old", from_e164="+12145559999", outcome="answer", received_at=closed_at
        )
    )
    assert expire_due_requests(session, closed_at) == 1
    session.flush()
    return request


def test_closed_requests_keep_their_details_until_the_period_ends(
    session, settings, closed_request
):
    cutoff = closed_request.closed_at + timedelta(days=settings.retention_request_details_days)

    counts = retention.purge_request_details(session, settings, cutoff)

    assert counts == {"requests": 0, "recipients": 0, "messages": 0, "inbound_sms": 0}
    assert closed_request.address_text == "1523 Marilla St"
    assert all(r.owner_id is not None for r in closed_request.recipients)
    assert purge_events(session) == []


def test_closed_requests_lose_their_personal_details_after_the_period(
    session, settings, closed_request
):
    request = closed_request
    when = request.closed_at + timedelta(days=settings.retention_request_details_days) + SECOND
    before = transparency.public_figures(session, settings, when)
    message_ids = [r.outbox_message_id for r in request.recipients]
    tokens = [r.token_sha256 for r in request.recipients]
    assert None not in message_ids
    kept = [
        (r.answer, r.answered_at, r.answered_via, r.opened_at, r.distance_m)
        for r in request.recipients
    ]

    counts = retention.purge_request_details(session, settings, when)

    assert counts == {"requests": 1, "recipients": 6, "messages": 6, "inbound_sms": 1}
    session.expire_all()
    request = session.get(AccessRequest, request.id)
    assert request.address_text is None
    assert request.message == ""
    assert (request.lat, request.lon) == (round(request.lat, 3), round(request.lon, 3))
    assert request.block_label == "1500 Marilla St"
    assert (request.case_number, request.incident_type, request.status) == (
        "24-118842",
        "robbery",
        "closed",
    )
    assert request.sent_at == NOW
    recipients = request.recipients
    assert all(r.owner_id is None and r.note is None for r in recipients)
    assert all(r.site_ids == {} and r.outbox_message_id is None for r in recipients)
    assert not set(tokens) & {r.token_sha256 for r in recipients}
    assert [
        (r.answer, r.answered_at, r.answered_via, r.opened_at, r.distance_m) for r in recipients
    ] == kept
    assert (
        session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(message_ids))).all() == []
    )
    assert count(session, InboundSms) == 0
    # The owners themselves are untouched; only the link between them and the request goes.
    assert count(session, Owner) == 6

    # The transparency page counts the same answers, and the same median, as before.
    after = transparency.public_figures(session, settings, when)
    assert after.answers == before.answers
    assert after.answers.approved == 5
    assert after.answers.median_to_answer == timedelta(minutes=20)
    assert after.months == before.months

    (event,) = purge_events(session, "request_details")
    assert event.actor == "system"
    assert event.at == when
    assert (event.detail["requests"], event.detail["recipients"]) == (1, 6)
    # Done once: the next run finds nothing more to clear and logs nothing.
    assert retention.purge_request_details(session, settings, when + timedelta(hours=1)) == {
        "requests": 0,
        "recipients": 0,
        "messages": 0,
        "inbound_sms": 0,
    }
    assert len(purge_events(session)) == 1


def test_open_requests_are_never_purged(session, settings):
    settings = dataclasses.replace(settings, request_needs_approval=False)
    registered_owner(session, point_at(40))
    created = create_request(session, staff(session, "police"), draft(), set(), settings, NOW)

    counts = retention.purge_request_details(session, settings, NOW + timedelta(days=400))

    assert counts["requests"] == 0
    assert session.get(AccessRequest, created.request_id).address_text == "1523 Marilla St"


def test_the_request_period_is_configurable(session, settings, closed_request):
    settings = dataclasses.replace(settings, retention_request_details_days=30)
    when = closed_request.closed_at + timedelta(days=30)

    assert retention.purge_request_details(session, settings, when)["requests"] == 0
    assert retention.purge_request_details(session, settings, when + SECOND)["requests"] == 1


# --- unfinished sign-ups ---------------------------------------------------------------------


def add_draft(session, settings, *, completed: bool = False) -> RegistrationDraft:
    row = RegistrationDraft(
        key_sha256=token_hash(new_token()),
        data={"raw": {"full_name": "Ana Example", "phone": "214 555 0100"}},
        created_at=NOW,
        expires_at=NOW + timedelta(hours=settings.draft_ttl_hours),
        completed_at=NOW if completed else None,
    )
    session.add(row)
    session.flush()
    return row


def test_unfinished_drafts_are_deleted_after_24_hours(session, settings):
    unfinished = add_draft(session, settings)
    completed = add_draft(session, settings, completed=True)

    assert retention.purge_drafts(session, settings, NOW + timedelta(hours=24) - SECOND) == {
        "drafts": 0
    }
    assert purge_events(session) == []
    assert retention.purge_drafts(session, settings, NOW + timedelta(hours=24)) == {"drafts": 1}
    session.expire_all()
    assert session.get(RegistrationDraft, unfinished.id) is None
    assert session.get(RegistrationDraft, completed.id) is not None
    (event,) = purge_events(session, "drafts")
    assert event.detail["drafts"] == 1


# --- links, sessions and codes ---------------------------------------------------------------


def test_links_sessions_and_codes_are_deleted_a_day_after_they_end(session, settings):
    owner = registered_owner(session, point_at(50))
    user = staff(session, "police")
    end = NOW

    def link(**fields):
        row = OwnerLink(
            owner_id=owner.id,
            purpose="manage",
            token_sha256=token_hash(new_token()),
            created_at=end - timedelta(hours=1),
            **fields,
        )
        session.add(row)
        return row

    used = link(expires_at=end + timedelta(days=3), used_at=end)
    expired = link(expires_at=end)
    live = link(expires_at=end + timedelta(days=3))
    owner_session = OwnerSession(
        owner_id=owner.id, token_sha256=token_hash(new_token()), created_at=end, expires_at=end
    )
    revoked = StaffSession(
        user_id=user.user_id,
        token_sha256=token_hash(new_token()),
        created_at=end - timedelta(hours=1),
        expires_at=end + timedelta(hours=11),
        revoked_at=end,
    )
    code = PhoneVerification(
        phone_e164=owner.phone_e164,
        code_sha256="0" * 64,
        created_at=end,
        expires_at=end + timedelta(minutes=10),
    )
    session.add_all([owner_session, revoked, code])
    sent_code = enqueue_sms(
        session,
        owner.phone_e164,
        "code",
        "verification_code",
        "en",
        expires_at=end + timedelta(minutes=10),
    )
    sent_code.created_at, sent_code.status = end, "sent"
    receipt = enqueue_sms(session, owner.phone_e164, "receipt", "registration_receipt", "en")
    receipt.created_at, receipt.status = end, "sent"
    session.flush()
    ids = {
        OwnerLink: [used.id, expired.id],
        OwnerSession: [owner_session.id],
        StaffSession: [revoked.id],
        PhoneVerification: [code.id],
        OutboxMessage: [sent_code.id],
    }
    day = timedelta(hours=settings.retention_tokens_hours)

    nothing = retention.purge_tokens(session, settings, end + day)
    assert set(nothing.values()) == {0}
    assert purge_events(session) == []

    counts = retention.purge_tokens(session, settings, end + day + SECOND)
    assert counts == {
        "owner_links": 2,
        "owner_sessions": 1,
        "staff_sessions": 1,
        "phone_verifications": 1,
        "code_messages": 1,
    }
    session.expire_all()
    for model, row_ids in ids.items():
        assert [session.get(model, i) for i in row_ids] == [None] * len(row_ids)
    assert session.get(OwnerLink, live.id) is not None
    assert session.get(OutboxMessage, receipt.id) is not None
    (event,) = purge_events(session, "tokens")
    assert event.detail["owner_links"] == 2


# --- the audit log ---------------------------------------------------------------------------


def test_audit_entries_are_deleted_after_three_years_and_the_purge_is_logged(session, settings):
    cutoff = NOW - timedelta(days=settings.retention_audit_days)
    audit.record(session, "officer1", "request.searched", at=cutoff - SECOND)
    audit.record(session, "officer1", "request.created", at=cutoff)
    session.flush()

    assert retention.purge_audit(session, settings, NOW) == {"audit_events": 1}
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["request.created", "retention.purged"]
    (event,) = purge_events(session, "audit")
    assert event.detail["audit_events"] == 1
    assert event.detail["cutoff"] == cutoff.isoformat()


def test_the_audit_period_is_configurable(session, settings):
    settings = dataclasses.replace(settings, retention_audit_days=90)
    audit.record(session, "officer1", "request.searched", at=NOW - timedelta(days=91))
    audit.record(session, "officer1", "request.created", at=NOW - timedelta(days=89))
    session.flush()

    assert retention.purge_audit(session, settings, NOW) == {"audit_events": 1}


def test_purge_applies_every_rule_and_keeps_its_own_events(session, settings):
    add_draft(session, settings)
    audit.record(session, "officer1", "request.searched", at=NOW - timedelta(days=2000))
    session.flush()
    # Even with an audit period of 0 days, the events of this very run stay.
    settings = dataclasses.replace(settings, retention_audit_days=0)

    counts = retention.purge(session, settings, NOW + timedelta(days=2))

    assert (counts["drafts"], counts["audit_events"]) == (1, 1)
    assert {e.subject for e in purge_events(session)} == {"retention:drafts", "retention:audit"}


# --- the worker ------------------------------------------------------------------------------


def test_the_worker_upkeep_asks_pauses_and_purges(factory, settings):
    with factory() as session, session.begin():
        owner = registered_owner(
            session, point_at(50), created_at=NOW, confirmed_at=NOW - timedelta(days=365)
        )
        silent = registered_owner(
            session,
            point_at(60),
            created_at=NOW - timedelta(days=500),
            confirmed_at=NOW - timedelta(days=500),
            reconfirm_requested_at=NOW - timedelta(days=30),
        )
        add_draft(session, settings)
        owner_id, silent_id = owner.id, silent.id

    done = upkeep(factory, settings, NOW + timedelta(days=1))

    assert done["reconfirm_asked"] == 1
    assert done["unconfirmed"] == 1
    assert done["drafts"] == 1
    with factory() as session:
        assert session.get(Owner, owner_id).reconfirm_requested_at == NOW + timedelta(days=1)
        assert session.get(Owner, silent_id).status == "unconfirmed"
        assert (
            session.scalar(
                select(func.count(OutboxMessage.id)).where(OutboxMessage.purpose == "reconfirm")
            )
            == 1
        )
        assert {e.subject for e in purge_events(session)} == {"retention:drafts"}
        assert count(session, AccessRecipient) == 0


def test_a_worker_tick_runs_the_upkeep(database_url, factory):
    now = utcnow()
    with factory() as session, session.begin():
        owner = registered_owner(
            session,
            point_at(50),
            created_at=now - timedelta(days=400),
            confirmed_at=now - timedelta(days=400),
        )
        session.add(
            OwnerLink(
                owner_id=owner.id,
                purpose="manage",
                token_sha256=token_hash(new_token()),
                created_at=now - timedelta(days=5),
                expires_at=now - timedelta(days=2),
            )
        )
        owner_id = owner.id

    # Nothing listens on port 9: the geocoder is never needed here.
    run_worker_once(database_url, CAMSHARE_GEOCODER_DOMAIN="127.0.0.1:9")

    with factory() as session:
        assert session.get(Owner, owner_id).reconfirm_requested_at is not None
        (message,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "reconfirm")
        ).all()
        assert message.owner_id == owner_id
        assert count(session, OwnerLink) == 1  # the expired one went, the new link stays
        assert {e.subject for e in purge_events(session)} == {"retention:tokens"}


def test_messages_done_with_go_after_the_request_details_period(session, settings):
    now = utcnow()
    old = now - timedelta(days=settings.retention_request_details_days, minutes=1)
    recent = now - timedelta(days=settings.retention_request_details_days - 1)
    for created, status in ((old, "sent"), (recent, "sent"), (old, "queued")):
        session.add(
            OutboxMessage(
                to_e164="+12145550199",
                body="x",
                purpose="registration_receipt",
                language="en",
                status=status,
                created_at=created,
            )
        )
    session.flush()
    assert retention.purge_messages(session, settings, now) == {"messages": 1}
    left = session.scalars(select(OutboxMessage.status)).all()
    assert sorted(left) == ["queued", "sent"]


def test_a_kept_files_custody_trail_outlives_the_audit_period(session, settings):
    cast = footage_request(session, settings)
    storage = MemoryStorage()
    held = received_file(session, storage, cast.request_id, status="accepted")
    held.hold_reason = "Trial pending"
    gone = received_file(session, storage, cast.request_id, status="deleted")
    old = NOW - timedelta(days=settings.retention_audit_days) - SECOND
    for subject in (f"footage:{held.id}", f"footage:{gone.id}"):
        audit.record(session, "staff:officer1", "footage.viewed", subject, at=old)
    audit.record(session, "staff:sgt", "footage.granted", f"request:{cast.request_id}", at=old)
    audit.record(session, "staff:sgt", "request.searched", f"request:{cast.request_id}", at=old)
    audit.record(session, "officer1", "staff.signed_in", None, at=old)

    assert retention.purge_audit(session, settings, NOW) == {"audit_events": 3}
    left = {
        (e.action, e.subject)
        for e in session.scalars(select(AuditEvent).where(AuditEvent.at == old))
    }
    assert left == {
        ("footage.viewed", f"footage:{held.id}"),
        ("footage.granted", f"request:{cast.request_id}"),
    }

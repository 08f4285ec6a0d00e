"""Finishing the sign-up: the owner, sites, cameras, consent receipt; and the drafts' lifecycle."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from camshare.models import (
    AuditEvent,
    Camera,
    Campaign,
    CampaignVisit,
    Consent,
    OutboxMessage,
    Owner,
    OwnerLink,
    PhoneVerification,
    RegistrationDraft,
    Site,
)
from camshare.services import registration
from camshare.services.errors import DomainError
from camshare.services.outreach import campaigns
from camshare.services.registration import completion, verification
from camshare.services.tokens import token_hash
from tests.unit.builders import (
    IP,
    MARILLA_POINT,
    NAME,
    PHONE_E164,
    USER_AGENT,
    VICTORY,
    camera_row,
    clock,
    dallas_geocoder,
    draft_row,
    last_code,
    locate,
    walk_to,
)


def count(session, model, *where) -> int:
    session.flush()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def receipts(session, phone=PHONE_E164) -> list[OutboxMessage]:
    session.flush()
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.to_e164 == phone,
                OutboxMessage.purpose == "registration_receipt",
            )
            .order_by(OutboxMessage.id)
        )
    )


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


# --- completing ------------------------------------------------------------------------------


def test_a_verified_draft_becomes_one_owner_with_its_site_and_cameras(session, settings):
    walk = walk_to(session, settings, "done", email="Ana@Example.com")
    confirmation = walk.confirmation

    [owner] = session.scalars(select(Owner)).all()
    assert owner.phone_e164 == PHONE_E164
    assert owner.full_name == NAME
    assert owner.email == "Ana@example.com"
    assert owner.owner_kind == "resident"
    assert owner.language == "en"
    assert owner.status == "active"
    assert owner.phone_verified_at == walk.now + timedelta(minutes=2)
    assert confirmation.owner_id == owner.id
    assert confirmation.updated_existing is False
    assert confirmation.agreement_version == "2026-11"
    assert confirmation.camera_count == 3
    assert [(s.address, s.cameras) for s in confirmation.sites] == [
        ("1500 Marilla St, Dallas, TX 75201", 3)
    ]

    [site] = session.scalars(select(Site).where(Site.owner_id == owner.id)).all()
    assert site.address_line == "1500 Marilla St"
    assert (site.city, site.state, site.zip_code) == ("Dallas", "TX", "75201")
    assert (site.lat, site.lon) == MARILLA_POINT
    assert site.location_source == "geocoder"
    assert site.geocode_status == "ok"
    assert site.status == "active"
    cameras = session.scalars(select(Camera).where(Camera.site_id == site.id)).all()
    assert sorted((c.camera_kind, c.count, c.faces, c.direction) for c in cameras) == [
        ("doorbell", 1, "street", "N"),
        ("exterior", 2, "alley", "SW"),
    ]


def test_a_consent_receipt_records_exactly_what_was_signed(session, settings):
    walk = walk_to(session, settings, "done")

    [consent] = session.scalars(select(Consent)).all()
    owner_id = walk.confirmation.owner_id
    assert consent.owner_id == owner_id
    assert consent.agreement_version_id == walk.agreement.id
    assert consent.text_sha256 == walk.agreement.text_sha256
    assert consent.typed_name == NAME
    assert consent.ip_address == IP
    assert consent.user_agent == USER_AGENT
    assert consent.language == "en"
    assert consent.accepted_at == walk.now
    assert consent.withdrawn_at is None


def test_a_receipt_sms_with_a_working_manage_link_is_queued(session, settings):
    walk = walk_to(session, settings, "done")

    [receipt] = receipts(session)
    owner = session.get(Owner, walk.confirmation.owner_id)
    assert receipt.owner_id == owner.id
    assert receipt.language == "en"
    assert "2026-11" in receipt.body
    assert "Reply STOP" in receipt.body
    base = re.escape(settings.public_base_url.rstrip("/"))
    match = re.search(base + r"/manage/([A-Za-z0-9_-]+)", receipt.body)
    assert match, receipt.body
    link = session.scalars(select(OwnerLink).where(OwnerLink.owner_id == owner.id)).one()
    assert (link.purpose, link.token_sha256) == ("manage", token_hash(match.group(1)))


def test_a_spanish_registration_gets_a_spanish_receipt(session, settings):
    walk = walk_to(session, settings, "done", language="es")

    [receipt] = receipts(session)
    assert receipt.language == "es"
    assert "su registro esta activo" in receipt.body
    assert "/manage/" in receipt.body
    assert session.get(Owner, walk.confirmation.owner_id).language == "es"
    [consent] = session.scalars(select(Consent)).all()
    assert consent.language == "es"


def test_completing_records_an_audit_event(session, settings):
    walk = walk_to(session, settings, "done")
    owner_id = walk.confirmation.owner_id

    session.flush()
    [event] = session.scalars(select(AuditEvent)).all()
    assert event.action == "registration.completed"
    assert event.subject == f"owner:{owner_id}"
    assert event.ip_address == IP
    assert event.detail["sites"] == 1
    assert event.detail["cameras"] == 3
    assert event.detail["agreement_version"] == "2026-11"


def test_a_completed_draft_cannot_be_loaded_or_completed_again(session, settings):
    walk = walk_to(session, settings, "done")

    draft = draft_row(session, walk.key)
    assert draft.step == "done"
    assert draft.completed_at == walk.now + timedelta(minutes=2)
    assert draft.owner_id == walk.confirmation.owner_id
    assert refused(registration.load_draft, session, walk.key).key == "error.draft_completed"
    error = refused(completion.complete_registration, session, walk.key, settings)
    assert error.key == "error.draft_completed"
    assert count(session, Owner) == 1


def test_after_completion_personal_data_lives_only_on_the_owner(session, settings):
    walk = walk_to(session, settings, "done", email="ana@example.com")

    stored = json.dumps(draft_row(session, walk.key).data, ensure_ascii=False)
    for personal in (NAME, PHONE_E164, "ana@example.com", IP, USER_AGENT):
        assert personal not in stored


def test_completing_without_verifying_the_phone_is_refused(session, settings):
    walk = walk_to(session, settings, "verify")
    verification.send_code(session, walk.key, settings, IP, now=walk.now)

    error = refused(completion.complete_registration, session, walk.key, settings, now=walk.now)

    assert error.key == "error.phone_not_verified"
    assert count(session, Owner) == 0
    assert draft_row(session, walk.key).completed_at is None


def test_completing_before_the_agreement_is_refused(session, settings):
    walk = walk_to(session, settings, "agreement")

    error = refused(completion.complete_registration, session, walk.key, settings, now=walk.now)

    assert error.key == "error.step_unavailable"
    assert count(session, Owner) == 0


def test_a_business_registration_keeps_the_business_name(session, settings):
    walk = walk_to(
        session, settings, "done", owner_kind="business", business_name="Deep Ellum Tacos"
    )

    owner = session.get(Owner, walk.confirmation.owner_id)
    assert (owner.owner_kind, owner.business_name) == ("business", "Deep Ellum Tacos")


# --- registering again -----------------------------------------------------------------------


def test_registering_again_at_the_same_address_updates_the_registration(session, settings):
    first = walk_to(session, settings, "done")
    first_owner = session.get(Owner, first.confirmation.owner_id)
    first_link = session.scalars(
        select(OwnerLink).where(OwnerLink.owner_id == first_owner.id)
    ).one()

    again = walk_to(
        session,
        settings,
        "done",
        now=first.now + timedelta(minutes=5),
        full_name="Ana M. López",
        cameras=[camera_row(camera_kind="ptz", count="4", faces="parking_lot")],
    )

    assert again.confirmation.updated_existing is True
    assert again.confirmation.owner_id == first.confirmation.owner_id
    assert count(session, Owner) == 1
    assert count(session, Site) == 1
    owner = session.get(Owner, again.confirmation.owner_id)
    assert owner.full_name == "Ana M. López"
    [site] = session.scalars(select(Site)).all()
    cameras = session.scalars(select(Camera)).all()
    assert [(c.site_id, c.camera_kind, c.count) for c in cameras] == [(site.id, "ptz", 4)]
    assert count(session, Consent) == 2
    assert len(receipts(session)) == 2
    # The old manage link ends; the one in the new receipt works.
    links = session.scalars(select(OwnerLink).where(OwnerLink.owner_id == owner.id)).all()
    assert len(links) == 2
    assert first_link.expires_at <= again.now + timedelta(minutes=2)
    session.flush()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["registration.completed", "registration.updated"]


def test_registering_again_at_a_new_address_adds_a_second_site(session, settings):
    first = walk_to(session, settings, "done")

    again = walk_to(
        session, settings, "done", now=first.now + timedelta(minutes=5), address=VICTORY
    )

    assert again.confirmation.updated_existing is True
    assert count(session, Owner) == 1
    sites = session.scalars(select(Site).order_by(Site.id)).all()
    assert [s.address_line for s in sites] == ["1500 Marilla St", "2400 Victory Ave"]
    assert {s.owner_id for s in sites} == {first.confirmation.owner_id}
    assert count(session, Camera) == 4
    receipt = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.purpose == "registration_receipt")
        .order_by(OutboxMessage.id.desc())
    ).first()
    assert "2 locations" in receipt.body  # the receipt counts everything registered


def test_the_same_code_works_again_when_finishing_failed(session, settings, monkeypatch):
    walk = walk_to(session, settings, "verify")
    verification.send_code(session, walk.key, settings, IP, now=walk.now)
    code = last_code(session)
    later = walk.now + timedelta(minutes=1)

    def broken(*_args, **_kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(verification, "complete_registration", broken)
    # The savepoint sees the error and rolls back, as the app's transaction would.
    with pytest.raises(RuntimeError), session.begin_nested():
        verification.verify_and_register(session, walk.key, code, settings, now=later)
    monkeypatch.undo()
    assert draft_row(session, walk.key).phone_verified_at is None

    check, confirmation = verification.verify_and_register(
        session, walk.key, code, settings, now=later
    )
    assert check.ok
    assert confirmation is not None
    assert count(session, Owner) == 1


def test_two_locations_in_one_registration(session, settings):
    walk = walk_to(session, settings, "agreement")
    registration.add_another_site(session, walk.key)
    result = locate(session, settings, walk, VICTORY)
    registration.confirm_pin(session, walk.key, walk.jurisdiction, result.lat, result.lon)
    registration.save_cameras(session, walk.key, [camera_row(count="5")])
    walk = walk_to(session, settings, "done", key=walk.key, now=walk.now)

    assert [s.cameras for s in walk.confirmation.sites] == [3, 5]
    assert count(session, Site) == 2
    assert count(session, Camera) == 3


def test_a_site_registered_while_the_geocoder_was_down_is_marked_for_a_later_check(
    session, settings
):
    geocoder = dallas_geocoder()
    geocoder.down = True
    walk_to(session, settings, "done", geocoder=geocoder)

    [site] = session.scalars(select(Site)).all()
    assert site.geocode_status == "unavailable"
    assert site.geocoded_at is None
    assert site.location_source == "resident_pin"

    assert completion.retry_next_pending_geocode(session, geocoder) == "unavailable"  # still down
    assert site.geocode_status == "unavailable"
    geocoder.down = False
    assert completion.retry_next_pending_geocode(session, geocoder) == "ok"
    assert site.geocode_status == "ok"
    assert site.geocode_attempts == 2
    assert completion.retry_next_pending_geocode(session, geocoder) is None  # nothing left


# --- expiry ----------------------------------------------------------------------------------


def test_an_expired_draft_cannot_be_loaded_and_a_new_one_is_opened(session, settings):
    now = clock()
    old = registration.open_draft(session, None, None, "en", now=now - timedelta(hours=25))

    assert refused(registration.load_draft, session, old.key).key == "error.draft_expired"
    fresh = registration.open_draft(session, old.key, None, "en", now=now)
    assert fresh.key != old.key
    assert fresh.step == "contact"


def test_purge_deletes_only_unfinished_drafts_past_their_expiry(session, settings):
    now = clock()
    abandoned = walk_to(session, settings, "verify", now=now)
    verification.send_code(session, abandoned.key, settings, IP, now=now)
    done = walk_to(session, settings, "done", now=now, phone="469-300-1234")
    later = registration.open_draft(session, None, None, "en", now=now + timedelta(hours=2))
    abandoned_id = draft_row(session, abandoned.key).id

    assert registration.purge_expired_drafts(session, now=now + timedelta(hours=23)) == 0
    assert count(session, RegistrationDraft) == 3

    # Steps without a clock of their own stamp the real time, a moment after `now`.
    purged = registration.purge_expired_drafts(session, now=now + timedelta(hours=24, minutes=5))

    assert purged == 1
    session.flush()
    remaining = session.scalars(select(RegistrationDraft.key_sha256)).all()
    assert sorted(remaining) == sorted([token_hash(done.key), token_hash(later.key)])
    # Its codes go with it; its visit stays in the campaign statistics.
    assert count(session, PhoneVerification, PhoneVerification.draft_id == abandoned_id) == 0
    assert count(session, CampaignVisit) == 3
    assert count(session, Owner) == 1


# --- campaigns and visits ------------------------------------------------------------------


@pytest.fixture
def campaign(session, settings):
    return campaigns.create_campaign(
        session, settings.public_base_url, "Deep Ellum block party", code="DEEP26"
    )


def visits(session) -> list[CampaignVisit]:
    session.flush()
    return list(session.scalars(select(CampaignVisit).order_by(CampaignVisit.id)))


def test_a_visit_through_a_campaign_code_is_counted_for_that_campaign(session, campaign):
    now = clock()
    snapshot = registration.open_draft(session, None, "deep26 ", "es", now=now)

    assert snapshot.campaign_code == "DEEP26"
    assert snapshot.language == "es"
    [visit] = visits(session)
    assert visit.campaign_id == campaign.id
    assert visit.draft_id == draft_row(session, snapshot.key).id
    assert visit.language == "es"
    assert visit.visited_at == now
    assert draft_row(session, snapshot.key).campaign_id == campaign.id


@pytest.mark.parametrize("code", [None, "", "NOSUCH"])
def test_a_visit_without_a_known_code_counts_as_direct(session, campaign, code):
    snapshot = registration.open_draft(session, None, code, "en", now=clock())

    assert snapshot.campaign_code is None
    [visit] = visits(session)
    assert visit.campaign_id is None
    assert draft_row(session, snapshot.key).campaign_id is None


def test_an_archived_campaign_code_counts_as_direct(session, campaign):
    session.get(Campaign, campaign.id).archived_at = clock()

    registration.open_draft(session, None, campaign.code, "en", now=clock())

    [visit] = visits(session)
    assert visit.campaign_id is None


def test_reopening_the_same_draft_records_no_second_visit(session, campaign):
    now = clock()
    snapshot = registration.open_draft(session, None, campaign.code, "en", now=now)

    again = registration.open_draft(session, snapshot.key, campaign.code, "en", now=now)

    assert again.key == snapshot.key
    assert len(visits(session)) == 1


def test_reopening_a_direct_draft_records_no_second_visit(session):
    now = clock()
    snapshot = registration.open_draft(session, None, None, "en", now=now)

    registration.open_draft(session, snapshot.key, None, "en", now=now + timedelta(minutes=3))
    registration.open_draft(session, snapshot.key, "", "en", now=now + timedelta(minutes=4))

    assert len(visits(session)) == 1


def test_reopening_a_campaign_draft_without_the_code_records_no_second_visit(session, campaign):
    now = clock()
    snapshot = registration.open_draft(session, None, campaign.code, "en", now=now)

    registration.open_draft(session, snapshot.key, None, "en", now=now + timedelta(minutes=3))

    assert [v.campaign_id for v in visits(session)] == [campaign.id]


def test_a_campaign_registration_is_attributed_to_the_campaign(session, settings, campaign):
    walk = walk_to(session, settings, "done", campaign_code=campaign.code)

    assert session.get(Owner, walk.confirmation.owner_id).campaign_id == campaign.id

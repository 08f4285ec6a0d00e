"""What was signed is what gets registered; drafts live while the resident is active."""

from __future__ import annotations

from datetime import timedelta

import pytest

from camshare.models import Campaign, CampaignVisit, GeocodeCacheEntry, Owner, RegistrationDraft
from camshare.services import registration
from camshare.services.errors import DomainError
from camshare.services.geography.geocoding import Place, purge_geocode_cache
from camshare.services.outreach.campaigns import create_campaign
from camshare.services.registration import verification
from camshare.services.registration.completion import complete_registration
from tests.unit.builders import IP, MARILLA, contact, draft_row, locate, query, walk_to


def test_changing_the_name_after_signing_requires_signing_again(session, settings):
    walk = walk_to(session, settings, "verify")
    registration.save_contact(session, walk.key, **contact(full_name="Somebody Else"))

    draft = draft_row(session, walk.key)
    assert "consent" not in draft.data
    assert draft.step == "agreement"
    with pytest.raises(DomainError) as refused:
        verification.send_code(session, walk.key, settings, IP, now=walk.now)
    assert refused.value.key == "error.step_unavailable"


def test_a_verified_draft_changed_before_finishing_cannot_complete(session, settings):
    walk = walk_to(session, settings, "verified")
    registration.save_contact(session, walk.key, **contact(full_name="Somebody Else"))

    with pytest.raises(DomainError) as refused:
        complete_registration(session, walk.key, settings)
    assert refused.value.key == "error.step_unavailable"
    assert session.query(Owner).count() == 0


def test_removing_a_location_after_signing_requires_signing_again(session, settings):
    walk = walk_to(session, settings, "verify")
    registration.remove_site(session, walk.key, 0)
    assert "consent" not in draft_row(session, walk.key).data


def test_a_new_phone_number_forgets_that_a_code_was_sent(session, settings):
    walk = walk_to(session, settings, "verify")
    verification.send_code(session, walk.key, settings, IP, now=walk.now)
    assert draft_row(session, walk.key).data["code_requested"] is True

    registration.save_contact(session, walk.key, **contact(phone="(469) 555-0100"))

    assert "code_requested" not in draft_row(session, walk.key).data


def test_resaving_the_same_contact_keeps_the_signature(session, settings):
    walk = walk_to(session, settings, "verify")
    registration.save_contact(session, walk.key, **contact())
    assert "consent" in draft_row(session, walk.key).data


def test_a_draft_expires_a_day_after_the_last_change_not_after_it_was_opened(session, settings):
    walk = walk_to(session, settings, "contact")
    opened = draft_row(session, walk.key).expires_at
    registration.save_typed(session, walk.key, {"full_name": "Ana"})
    assert draft_row(session, walk.key).expires_at > opened


def test_a_namesake_street_elsewhere_lets_the_resident_place_the_pin(session, settings):
    walk = walk_to(session, settings, "location")
    # The geocoder answers with a point in Fort Worth for an address with a Dallas ZIP code.
    address = {**MARILLA, "street": "1500 Main St"}
    walk.geocoder.add(query(address), Place(lat=32.7555, lon=-97.3308, zip_code="76102"))

    result = locate(session, settings, walk, address)

    assert result.status == "no_match"
    assert walk.jurisdiction.contains(result.lat, result.lon)
    assert draft_row(session, walk.key).step == "pin"


def test_typed_address_is_kept_as_typed_after_locating(session, settings):
    walk = walk_to(session, settings, "location")
    locate(session, settings, walk, MARILLA)
    raw = draft_row(session, walk.key).data["raw"]
    assert raw["address_line"] == MARILLA["street"]
    assert raw["zip_code"] == MARILLA["zip_code"]


def test_camera_choices_survive_a_reload(session, settings):
    walk = walk_to(session, settings, "cameras")
    registration.save_typed_cameras(
        session, walk.key, [{"camera_kind": "doorbell", "count": "2", "faces": "street"}]
    )
    snapshot = registration.load_snapshot(session, walk.key)
    assert snapshot.data["raw_cameras"][0]["camera_kind"] == "doorbell"
    assert snapshot.data["raw_cameras"][0]["count"] == "2"


def test_cached_addresses_are_forgotten_after_a_while(session, settings):
    walk = walk_to(session, settings, "pin")
    assert session.query(GeocodeCacheEntry).count() == 1
    assert purge_geocode_cache(session, timedelta(days=30), now=walk.now) == 0
    assert purge_geocode_cache(session, timedelta(days=30), now=walk.now + timedelta(days=31)) == 1


def test_a_new_draft_after_expiry_keeps_the_typing_and_the_campaign(session, settings):
    create_campaign(session, settings.public_base_url, "Fair", code="PARK26")
    snapshot = registration.open_draft_keeping(
        session, {"full_name": "Ana", "phone": "214 555 0100"}, "PARK26", "es"
    )

    assert snapshot.data["raw"] == {"full_name": "Ana", "phone": "214 555 0100"}
    assert snapshot.language == "es"
    draft = session.query(RegistrationDraft).one()
    visit = session.query(CampaignVisit).filter_by(draft_id=draft.id).one()
    assert session.get(Campaign, visit.campaign_id).code == "PARK26"

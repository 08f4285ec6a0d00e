"""The cameras at each location, more locations, and signing the sharing agreement."""

from __future__ import annotations

import pytest

from camshare.services import registration
from camshare.services.errors import DomainError, ValidationFailed
from tests.unit.builders import (
    IP,
    MARILLA,
    NAME,
    USER_AGENT,
    VICTORY,
    camera_row,
    draft_row,
    locate,
    publish,
    two_camera_rows,
    walk_to,
)


@pytest.fixture
def walk(session, settings):
    return walk_to(session, settings, "cameras")


def camera_errors(session, key, rows) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        registration.save_cameras(session, key, rows)
    return caught.value.errors


def add_site(session, settings, walk, address, rows):
    registration.add_another_site(session, walk.key)
    locate(session, settings, walk, address)
    site = draft_row(session, walk.key).data["site"]
    registration.confirm_pin(session, walk.key, walk.jurisdiction, site["lat"], site["lon"])
    return registration.save_cameras(session, walk.key, rows)


# --- cameras ---------------------------------------------------------------------------------


def test_two_valid_rows_are_saved_and_the_next_step_is_the_agreement(session, walk):
    snapshot = registration.save_cameras(session, walk.key, two_camera_rows())

    assert snapshot.step == "agreement"
    draft = draft_row(session, walk.key)
    assert draft.step == "agreement"
    assert "site" not in draft.data
    [site] = draft.data["sites"]
    assert site["address_line"] == "1500 Marilla St"
    assert site["cameras"] == [
        {
            "camera_kind": "doorbell",
            "count": 1,
            "faces": "street",
            "direction": "N",
            "recording": "motion",
            "retention_days": 30,
        },
        {
            "camera_kind": "exterior",
            "count": 2,
            "faces": "alley",
            "direction": "SW",
            "recording": "continuous",
            "retention_days": 14,
        },
    ]


def test_no_direction_is_allowed(session, walk):
    registration.save_cameras(session, walk.key, [camera_row(direction="")])

    assert draft_row(session, walk.key).data["sites"][0]["cameras"][0]["direction"] is None


@pytest.mark.parametrize(("count", "retention"), [("1", "0"), ("99", "365"), (" 5 ", 7)])
def test_counts_and_retention_at_their_limits_are_accepted(session, walk, count, retention):
    registration.save_cameras(
        session, walk.key, [camera_row(count=count, retention_days=retention)]
    )

    [row] = draft_row(session, walk.key).data["sites"][0]["cameras"]
    assert (row["count"], row["retention_days"]) == (int(count), int(retention))


def test_an_empty_list_is_refused(session, walk):
    assert camera_errors(session, walk.key, []) == {"cameras": "error.cameras_required"}
    assert draft_row(session, walk.key).step == "cameras"


def test_more_than_twenty_rows_are_refused(session, walk):
    assert camera_errors(session, walk.key, [camera_row()] * 21) == {
        "cameras": "error.too_many_camera_rows"
    }


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("camera_kind", "drone", "error.camera_kind_required"),
        ("camera_kind", "", "error.camera_kind_required"),
        ("count", "0", "error.camera_count"),
        ("count", "100", "error.camera_count"),
        ("count", "abc", "error.camera_count"),
        ("count", "", "error.camera_count"),
        ("count", "1.5", "error.camera_count"),
        ("retention_days", "-1", "error.camera_retention"),
        ("retention_days", "366", "error.camera_retention"),
        ("retention_days", "a month", "error.camera_retention"),
        ("direction", "Q", "error.camera_direction"),
        ("direction", "north", "error.camera_direction"),
        ("faces", "sky", "error.camera_faces_required"),
        ("recording", "sometimes", "error.camera_recording_required"),
    ],
)
def test_an_invalid_value_is_refused_on_its_row(session, walk, field, value, key):
    rows = [camera_row(), camera_row(**{field: value})]

    assert camera_errors(session, walk.key, rows) == {f"cameras.1.{field}": key}
    draft = draft_row(session, walk.key)
    assert draft.data["sites"] == []
    assert draft.step == "cameras"


def test_every_bad_field_of_every_row_is_reported(session, walk):
    rows = [camera_row(count="0"), camera_row(camera_kind="x", direction="Q")]

    assert camera_errors(session, walk.key, rows) == {
        "cameras.0.count": "error.camera_count",
        "cameras.1.camera_kind": "error.camera_kind_required",
        "cameras.1.direction": "error.camera_direction",
    }


def test_cameras_before_the_pin_is_confirmed_are_refused(session, settings):
    walk = walk_to(session, settings, "pin")

    with pytest.raises(DomainError) as caught:
        registration.save_cameras(session, walk.key, two_camera_rows())

    assert caught.value.key == "error.step_unavailable"


# --- more locations --------------------------------------------------------------------------


def test_another_site_gives_two_sites(session, settings, walk):
    registration.save_cameras(session, walk.key, two_camera_rows())

    snapshot = registration.add_another_site(session, walk.key)
    assert snapshot.step == "location"
    add_site(session, settings, walk, VICTORY, [camera_row(camera_kind="ptz", count="3")])

    sites = draft_row(session, walk.key).data["sites"]
    assert [s["address_line"] for s in sites] == ["1500 Marilla St", "2400 Victory Ave"]
    assert [sum(c["count"] for c in s["cameras"]) for s in sites] == [3, 3]
    assert draft_row(session, walk.key).step == "agreement"


def test_the_same_address_twice_is_not_duplicated(session, settings, walk):
    registration.save_cameras(session, walk.key, two_camera_rows())

    add_site(
        session,
        settings,
        walk,
        {**MARILLA, "street": "1500 MARILLA ST."},
        [camera_row(camera_kind="ptz", count="4")],
    )

    [site] = draft_row(session, walk.key).data["sites"]
    assert [(c["camera_kind"], c["count"]) for c in site["cameras"]] == [("ptz", 4)]


def test_another_unit_at_the_same_address_is_another_site(session, settings, walk):
    registration.save_cameras(session, walk.key, two_camera_rows())

    add_site(session, settings, walk, {**MARILLA, "unit": "Suite 200"}, [camera_row()])

    assert len(draft_row(session, walk.key).data["sites"]) == 2


def test_a_site_can_be_removed(session, settings, walk):
    registration.save_cameras(session, walk.key, two_camera_rows())
    add_site(session, settings, walk, VICTORY, [camera_row()])

    snapshot = registration.remove_site(session, walk.key, 0)

    assert [s["address_line"] for s in snapshot.data["sites"]] == ["2400 Victory Ave"]
    assert snapshot.step == "agreement"
    assert registration.remove_site(session, walk.key, 0).step == "location"


# --- the agreement ---------------------------------------------------------------------------


def accept(session, key, agreement_id, accepted=True, typed_name=NAME, **kwargs):
    return registration.accept_agreement(
        session, key, agreement_id, accepted, typed_name, IP, USER_AGENT, **kwargs
    )


@pytest.fixture
def signing(session, settings):
    walk = walk_to(session, settings, "agreement")
    walk.agreement = publish(session)
    return walk


def test_not_ticking_the_box_is_refused(session, signing):
    with pytest.raises(ValidationFailed) as caught:
        accept(session, signing.key, signing.agreement.id, accepted=False)

    assert caught.value.errors == {"accepted": "error.agreement_not_accepted"}
    draft = draft_row(session, signing.key)
    assert "consent" not in draft.data
    assert draft.step == "agreement"


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("", "error.typed_name_required"),
        ("   ", "error.typed_name_required"),
        ("Ana Lopez", "error.typed_name_mismatch"),
        ("Someone Else", "error.typed_name_mismatch"),
    ],
)
def test_a_missing_or_different_typed_name_is_refused(session, signing, typed, key):
    with pytest.raises(ValidationFailed) as caught:
        accept(session, signing.key, signing.agreement.id, typed_name=typed)

    assert caught.value.errors == {"typed_name": key}
    assert "consent" not in draft_row(session, signing.key).data


def test_both_problems_are_reported_at_once(session, signing):
    with pytest.raises(ValidationFailed) as caught:
        accept(session, signing.key, signing.agreement.id, accepted=False, typed_name="")

    assert caught.value.errors == {
        "accepted": "error.agreement_not_accepted",
        "typed_name": "error.typed_name_required",
    }


def test_the_typed_name_may_differ_in_case_and_spacing(session, signing):
    snapshot = accept(session, signing.key, signing.agreement.id, typed_name="  ana  MARÍA lópez ")

    assert snapshot.step == "verify"
    assert draft_row(session, signing.key).data["consent"]["typed_name"] == "ana MARÍA lópez"


def test_acceptance_stores_the_exact_version_shown(session, signing):
    snapshot = accept(session, signing.key, signing.agreement.id, now=signing.now)

    assert snapshot.step == "verify"
    consent = draft_row(session, signing.key).data["consent"]
    assert consent == {
        "agreement_version_id": signing.agreement.id,
        "version": "2026-11",
        "text_sha256": signing.agreement.text_sha256,
        "language": "en",
        "typed_name": NAME,
        "accepted_at": signing.now.isoformat(),
        "ip_address": IP,
        "user_agent": USER_AGENT,
    }
    assert len(consent["text_sha256"]) == 64


def test_acceptance_of_the_spanish_text_stores_its_language_and_hash(session, signing):
    spanish = publish(session, "es")
    assert spanish.text_sha256 != signing.agreement.text_sha256

    accept(session, signing.key, spanish.id)

    consent = draft_row(session, signing.key).data["consent"]
    assert consent["language"] == "es"
    assert consent["text_sha256"] == spanish.text_sha256
    assert consent["agreement_version_id"] == spanish.id


def test_an_unknown_agreement_version_is_refused(session, signing):
    with pytest.raises(DomainError) as caught:
        accept(session, signing.key, signing.agreement.id + 1000)

    assert caught.value.key == "error.agreement_changed"


def test_the_agreement_before_any_location_is_refused(session, settings):
    walk = walk_to(session, settings, "location")
    agreement = publish(session)

    with pytest.raises(DomainError) as caught:
        accept(session, walk.key, agreement.id)

    assert caught.value.key == "error.step_unavailable"

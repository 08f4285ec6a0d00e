"""The location step: an address or the phone's position, then the pin the resident confirms."""

from __future__ import annotations

import pytest

from camshare.services import registration
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.geography.addresses import TypedAddress
from camshare.services.geography.geocoding import Place
from tests.unit.builders import (
    AUSTIN,
    FORT_WORTH,
    MARILLA_POINT,
    UNKNOWN_DALLAS,
    ZIP_75201_CENTROID,
    dallas_geocoder,
    draft_row,
    locate,
    walk_to,
)


@pytest.fixture
def walk(session, settings):
    return walk_to(session, settings, "location")


def site_of(session, walk) -> dict:
    return draft_row(session, walk.key).data["site"]


# --- an address ------------------------------------------------------------------------------


def test_an_address_found_in_dallas_puts_the_pin_there(session, settings, walk):
    result = locate(session, settings, walk)

    assert result.status == "ok"
    assert (result.lat, result.lon) == MARILLA_POINT
    assert result.snapshot.step == "pin"
    site = site_of(session, walk)
    assert site["address_line"] == "1500 Marilla St"
    assert site["city"] == "Dallas"
    assert site["zip_code"] == "75201"
    assert (site["lat"], site["lon"]) == MARILLA_POINT
    assert site["location_source"] == "geocoder"
    assert site["geocode_status"] == "ok"
    assert draft_row(session, walk.key).step == "pin"


def test_spacing_in_the_address_is_folded_and_zip_plus_four_shortened(session, settings, walk):
    result = locate(
        session,
        settings,
        walk,
        street="  1500   Marilla  St ",
        city=" Dallas ",
        zip_code="75201-4512",
    )

    site = site_of(session, walk)
    assert site["address_line"] == "1500 Marilla St"
    assert site["zip_code"] == "75201"
    assert result.status == "ok"


def test_an_address_that_does_not_geocode_puts_the_pin_at_the_zip_centre(session, settings, walk):
    result = locate(session, settings, walk, UNKNOWN_DALLAS)

    assert result.status == "no_match"
    assert (result.lat, result.lon) == pytest.approx(ZIP_75201_CENTROID, abs=1e-3)
    site = site_of(session, walk)
    assert site["address_line"] == "9999 Nowhere Ln"
    assert site["geocode_status"] == "no_match"
    assert result.snapshot.step == "pin"


def test_no_match_without_zip_puts_the_pin_at_the_map_centre(session, settings, walk):
    result = locate(session, settings, walk, UNKNOWN_DALLAS, zip_code="")

    assert result.status == "no_match"
    assert (result.lat, result.lon) == settings.map_center_point


def test_geocoder_down_puts_the_pin_at_the_zip_centre_and_keeps_the_address(
    session, settings, walk
):
    walk.geocoder.down = True

    result = locate(session, settings, walk, unit="Apt 4B")

    assert result.status == "unavailable"
    assert (result.lat, result.lon) == pytest.approx(ZIP_75201_CENTROID, abs=1e-3)
    site = site_of(session, walk)
    assert site["address_line"] == "1500 Marilla St"
    assert site["unit"] == "Apt 4B"
    assert site["zip_code"] == "75201"
    assert site["geocode_status"] == "unavailable"
    assert draft_row(session, walk.key).step == "pin"


def test_an_outage_is_not_remembered_once_the_geocoder_is_back(session, settings, walk):
    walk.geocoder.down = True
    assert locate(session, settings, walk).status == "unavailable"

    walk.geocoder.down = False
    result = locate(session, settings, walk)

    assert result.status == "ok"
    assert (result.lat, result.lon) == MARILLA_POINT


def test_the_same_address_is_asked_of_the_geocoder_once(session, settings, walk):
    locate(session, settings, walk)
    locate(session, settings, walk, street="1500 MARILLA ST.")

    assert len(walk.geocoder.calls) == 1
    assert (site_of(session, walk)["lat"], site_of(session, walk)["lon"]) == MARILLA_POINT


@pytest.mark.parametrize("address", [FORT_WORTH, AUSTIN], ids=["fort_worth", "austin"])
def test_an_address_outside_dallas_is_refused_and_nothing_saved(session, settings, walk, address):
    with pytest.raises(DomainError) as caught:
        locate(session, settings, walk, address)

    assert caught.value.key == "error.outside_jurisdiction"
    assert caught.value.field == "address_line"
    draft = draft_row(session, walk.key)
    assert "site" not in draft.data
    assert draft.data.get("sites") == []
    assert draft.step == "location"


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"street": "Marilla St"}, {"address_line": "error.address_needs_number_and_street"}),
        ({"street": "1500"}, {"address_line": "error.address_needs_number_and_street"}),
        ({"street": "   "}, {"address_line": "error.address_required"}),
        ({"zip_code": "7520"}, {"zip_code": "error.zip_invalid"}),
        ({"zip_code": "75201-12"}, {"zip_code": "error.zip_invalid"}),
        ({"zip_code": "ABCDE"}, {"zip_code": "error.zip_invalid"}),
        ({"city": "", "zip_code": ""}, {"city": "error.city_or_zip_required"}),
        (
            {"street": "Marilla St", "zip_code": "752"},
            {
                "address_line": "error.address_needs_number_and_street",
                "zip_code": "error.zip_invalid",
            },
        ),
    ],
)
def test_bad_address_input_is_refused(session, settings, walk, overrides, errors):
    with pytest.raises(ValidationFailed) as caught:
        locate(session, settings, walk, **overrides)

    assert caught.value.errors == errors
    assert "site" not in draft_row(session, walk.key).data
    assert walk.geocoder.calls == []


# --- the pin ---------------------------------------------------------------------------------


def test_confirming_the_pin_where_it_was_put_keeps_the_geocoded_source(session, settings, walk):
    locate(session, settings, walk)

    snapshot = registration.confirm_pin(session, walk.key, walk.jurisdiction, *MARILLA_POINT)

    assert snapshot.step == "cameras"
    site = site_of(session, walk)
    assert site["pin_confirmed"] is True
    assert site["location_source"] == "geocoder"


def test_a_pin_the_resident_moved_is_marked_as_theirs(session, settings, walk):
    locate(session, settings, walk)

    registration.confirm_pin(session, walk.key, walk.jurisdiction, 32.77701234, -96.79655555)

    site = site_of(session, walk)
    assert site["location_source"] == "resident_pin"
    assert (site["lat"], site["lon"]) == (32.777012, -96.796556)
    assert draft_row(session, walk.key).step == "cameras"


def test_a_pin_left_at_the_zip_centre_counts_as_placed_by_the_resident(session, settings, walk):
    result = locate(session, settings, walk, UNKNOWN_DALLAS)

    registration.confirm_pin(session, walk.key, walk.jurisdiction, result.lat, result.lon)

    assert site_of(session, walk)["location_source"] == "resident_pin"


def test_a_pin_moved_outside_dallas_is_refused(session, settings, walk):
    locate(session, settings, walk)

    with pytest.raises(DomainError) as caught:
        registration.confirm_pin(session, walk.key, walk.jurisdiction, 32.7555, -97.3308)

    assert caught.value.key == "error.outside_jurisdiction"
    site = site_of(session, walk)
    assert (site["lat"], site["lon"]) == MARILLA_POINT
    assert not site.get("pin_confirmed")
    assert draft_row(session, walk.key).step == "pin"


def test_confirming_a_pin_before_giving_a_location_is_refused(session, walk):
    with pytest.raises(DomainError) as caught:
        registration.confirm_pin(session, walk.key, walk.jurisdiction, *MARILLA_POINT)

    assert caught.value.key == "error.step_unavailable"


# --- the phone's position ----------------------------------------------------------------


def test_the_device_location_fills_the_address_from_a_reverse_lookup(session, settings, walk):
    result = registration.locate_device(
        session, walk.key, walk.geocoder, walk.jurisdiction, 32.77672, -96.79705
    )

    assert result.status == "device"
    assert result.snapshot.step == "pin"
    site = site_of(session, walk)
    assert site["address_line"] == "1500 Marilla Street"
    assert site["city"] == "Dallas"
    assert site["zip_code"] == "75201"
    assert site["location_source"] == "device"
    assert (site["lat"], site["lon"]) == (32.77672, -96.79705)
    # The address fields of the form show it, for the resident to check.
    raw = draft_row(session, walk.key).data["raw"]
    assert raw["address_line"] == "1500 Marilla Street"
    assert raw["zip_code"] == "75201"

    registration.confirm_pin(session, walk.key, walk.jurisdiction, 32.77672, -96.79705)
    assert draft_row(session, walk.key).step == "cameras"


def test_a_device_location_without_address_needs_one_typed_before_the_pin(session, settings):
    walk = walk_to(session, settings, "location", geocoder=dallas_geocoder())
    walk.geocoder.down = True
    result = registration.locate_device(
        session, walk.key, walk.geocoder, walk.jurisdiction, 32.80, -96.80
    )
    assert result.status == "unavailable"
    assert site_of(session, walk)["address_line"] == ""

    with pytest.raises(ValidationFailed) as caught:
        registration.confirm_pin(session, walk.key, walk.jurisdiction, 32.80, -96.80)
    assert caught.value.errors == {"address_line": "error.address_required"}

    registration.confirm_pin(
        session,
        walk.key,
        walk.jurisdiction,
        32.80,
        -96.80,
        TypedAddress(address_line="2100 Ross Ave", city="Dallas", state="TX", zip_code="75201"),
    )
    site = site_of(session, walk)
    assert site["address_line"] == "2100 Ross Ave"
    assert site["pin_confirmed"] is True


def test_a_device_location_outside_dallas_is_refused(session, walk):
    with pytest.raises(DomainError) as caught:
        registration.locate_device(
            session, walk.key, walk.geocoder, walk.jurisdiction, 30.2672, -97.7431
        )

    assert caught.value.key == "error.outside_jurisdiction"
    assert "site" not in draft_row(session, walk.key).data


def test_an_impossible_device_location_is_refused(session, walk):
    with pytest.raises(DomainError) as caught:
        registration.locate_device(session, walk.key, walk.geocoder, walk.jurisdiction, 132.0, 0)

    assert caught.value.key == "error.location_unavailable"


def test_a_geocoder_place_with_its_zip_fills_a_missing_zip(session, settings, walk):
    walk.geocoder.add(
        "3000 Commerce St, Dallas, TX",
        Place(32.7840, -96.7830, zip_code="75226"),
    )

    locate(session, settings, walk, street="3000 Commerce St", zip_code="")

    assert site_of(session, walk)["zip_code"] == "75226"


# --- going back ----------------------------------------------------------------------------


def test_going_back_from_the_pin_to_the_address_keeps_it(session, settings, walk):
    locate(session, settings, walk)

    snapshot = registration.go_to_step(session, walk.key, "location")

    assert snapshot.step == "location"
    assert site_of(session, walk)["address_line"] == "1500 Marilla St"


def test_the_pin_and_cameras_cannot_be_reached_before_a_location(session, walk):
    for step in ("pin", "cameras", "agreement", "verify", "done"):
        with pytest.raises(DomainError) as caught:
            registration.go_to_step(session, walk.key, step)
        assert caught.value.key == "error.step_unavailable"
    assert draft_row(session, walk.key).step == "location"

"""How a request is told to an owner: its place in words (even offline), its message in the
owner's language, the agency's name in it, how to check it is genuine, and its SMS length."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from camshare.services.access import messages
from camshare.services.access.request_texts import (
    OwnerSite,
    check_genuine,
    compass_point,
    describe_place,
    request_sms,
    rounded_distance,
)
from camshare.services.geography.addresses import postal_address
from camshare.services.messaging.sms import gsm7_friendly, sms_segments
from camshare.settings import load_settings
from tests.support.access_builders import point_at

SETTINGS = load_settings({})
CAMERA = (32.7767, -96.7970)
SITE = OwnerSite("1523 Marilla St", "Dallas", "TX", *CAMERA)
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def place_at(distance: float, bearing: float, language: str = "en", sites=(SITE,)) -> str:
    incident = point_at(distance, bearing, origin=CAMERA)
    return describe_place("32.778, -96.796", language, SETTINGS, incident=incident, sites=sites)


# --- the place in words ---------------------------------------------------------------------


def test_a_point_without_a_street_is_told_from_the_owners_own_camera():
    assert (
        place_at(120, 45) == "about 120 m north-east of your camera at 1500 Marilla St, Dallas, TX"
    )
    assert place_at(120, 45, "es") == (
        "a unos 120 m al noreste de su cámara en 1500 Marilla St, Dallas, TX"
    )


@pytest.mark.parametrize(
    ("bearing", "point"),
    [
        (0, "north"),
        (44, "north_east"),
        (90, "east"),
        (135, "south_east"),
        (180, "south"),
        (225, "south_west"),
        (270, "west"),
        (315, "north_west"),
        (330, "north_west"),
        (340, "north"),
    ],
)
def test_the_direction_is_one_of_eight_compass_points(bearing, point):
    incident = point_at(200, bearing, origin=CAMERA)
    assert compass_point(*CAMERA, *incident) == point


@pytest.mark.parametrize(
    ("metres", "language", "said"),
    [
        (3, "en", "10 m"),
        (124, "en", "120 m"),
        (126, "en", "130 m"),
        (212, "en", "200 m"),
        (238, "en", "250 m"),
        (990, "en", "1 km"),
        (1260, "en", "1.3 km"),
        (1260, "es", "1,3 km"),
    ],
)
def test_distances_are_rounded_as_people_say_them(metres, language, said):
    assert rounded_distance(metres, language) == said


def test_an_incident_at_the_camera_is_not_given_a_direction():
    assert place_at(5, 90) == "at your camera at 1500 Marilla St, Dallas, TX"


def test_the_nearest_of_the_owners_locations_is_the_reference():
    far = OwnerSite("2400 Elm St", None, None, *point_at(350, 0, origin=CAMERA))
    assert "1500 Marilla St" in place_at(100, 180, sites=(far, SITE))
    # A location without its own city and state gets the agency's.
    assert place_at(300, 10, sites=(far,)).endswith("of your camera at 2400 Elm St, Dallas, TX")


def test_the_owners_house_number_is_never_in_the_words():
    assert "1523" not in place_at(120, 45)


def test_a_street_block_is_told_with_its_city_and_state():
    assert describe_place("1500 Marilla St", "en", SETTINGS) == (
        "near the 1500 block of Marilla St, Dallas, TX"
    )
    assert describe_place("1500 Marilla St", "es", SETTINGS, sites=(SITE,)) == (
        "cerca de la cuadra 1500 de Marilla St, Dallas, TX"
    )


def test_a_zip_code_alone_is_also_told_from_the_owners_camera():
    incident = point_at(300, 270, origin=CAMERA)
    told = describe_place("75201", "en", SETTINGS, incident=incident, sites=(SITE,))
    assert told.startswith("about 300 m west of your camera")


@pytest.mark.parametrize(
    ("line", "full"),
    [
        ("1500 Marilla St", "1500 Marilla St, Dallas, TX"),
        ("1500 Marilla St, Dallas", "1500 Marilla St, Dallas, TX"),
        ("1500 Marilla St, Dallas, TX 75201", "1500 Marilla St, Dallas, TX 75201"),
    ],
)
def test_addresses_carry_their_state_once(line, full):
    assert postal_address(line, "Dallas", "TX") == full


# --- the message in the owner's language ----------------------------------------------------


def test_a_template_reads_in_each_owners_language():
    stored = messages.encode(
        messages.OfficerMessage("vehicle", (("colour", "white"), ("vehicle", "pickup")))
    )
    assert messages.shown(stored, "en").text == (
        "We are looking for a white pickup truck that passed near your cameras during the time"
        " shown. Footage of it may help the investigation. Sharing is voluntary."
    )
    spanish = messages.shown(stored, "es")
    assert spanish.text.startswith("Buscamos una camioneta pickup de color blanco")
    assert spanish.own_words == ""


def test_a_blank_not_chosen_yet_reads_as_an_ellipsis_in_the_preview():
    text = messages.template_text("vehicle", {"colour": "red"}, "en")
    assert text.startswith("We are looking for a red … that passed")


def test_an_officers_own_words_stay_apart_and_as_typed():
    stored = messages.encode(messages.OfficerMessage("footage", (), "  Ask for Det. Ruiz  "))
    shown = messages.shown(stored, "es")
    assert shown.text.startswith("Ocurrió un incidente")
    assert shown.own_words == "Ask for Det. Ruiz"


def test_a_message_stored_before_templates_reads_as_own_words():
    shown = messages.shown("A robbery happened nearby.", "es")
    assert shown == messages.ShownMessage("", "A robbery happened nearby.")


def test_every_template_and_choice_exists_in_both_languages():
    for template, blanks in messages.TEMPLATES.items():
        for language in ("en", "es"):
            for choice in itertools.product(*(messages.BLANK_CHOICES[b] for b in blanks)):
                filled = dict(zip(blanks, choice, strict=True))
                text = messages.template_text(template, filled, language)
                assert text
                assert "message." not in text
                assert text.count("{") == 0


# --- the agency, the check and the SMS ------------------------------------------------------


def test_the_agency_has_a_spanish_name():
    assert SETTINGS.agency("es") == "Departamento de Policía de Dallas"
    assert SETTINGS.agency("en") == "Dallas Police Department"
    assert dataclasses.replace(SETTINGS, agency_name_es="").agency("es") == (
        "Dallas Police Department"
    )


def test_the_check_line_names_only_what_is_configured():
    assert check_genuine("en", SETTINGS) == (
        "To check it is us, call 214-744-4444 or see dallaspolice.net."
    )
    assert check_genuine("es", dataclasses.replace(SETTINGS, agency_website="")) == (
        "Para verificarlo, llame al 214-744-4444."
    )
    assert (
        check_genuine("en", dataclasses.replace(SETTINGS, agency_phone="", agency_website="")) == ""
    )


def longest_sms(language: str) -> str:
    settings = dataclasses.replace(
        SETTINGS,
        public_base_url="https://camaras.dallaspolice.net",
        agency_website="dallaspolice.net",
    )
    site = OwnerSite("12345 North Central Expressway Service Rd", "Dallas", "TX", *CAMERA)
    return gsm7_friendly(
        request_sms(
            language=language,
            settings=settings,
            incident_type="aggravated_assault",
            emergency=True,
            case_number="2026-1234567-ABCDEF",
            place=describe_place(
                "32.778, -96.796",
                language,
                settings,
                incident=point_at(390, 135, origin=CAMERA),
                sites=(site,),
            ),
            window_start=NOW - timedelta(hours=12),
            window_end=NOW - timedelta(minutes=1),
            expires_at=NOW + timedelta(hours=72),
            reply_code="K7P3",
            link=settings.public_url("/r/" + "x" * 32),
        )
    )


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_longest_request_sms_stays_within_three_segments(language):
    text = longest_sms(language)
    assert "2026-1234567-ABCDEF" in text
    assert "214-744-4444" in text
    assert sms_segments(text) <= 3, (len(text), text)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("x" * 160, 1),
        ("x" * 161, 2),
        ("x" * 306, 2),
        ("x" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("á" * 70, 1),
        ("á" * 71, 2),
    ],
)
def test_segments_are_counted_as_carriers_bill_them(text, segments):
    assert sms_segments(text) == segments

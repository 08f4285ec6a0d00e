"""The contact step: name, mobile phone, e-mail and resident/business, as a resident types them."""

from __future__ import annotations

import unicodedata

import pytest

from camshare.services import registration
from camshare.services.errors import DomainError, ValidationFailed
from tests.unit.builders import PHONE_E164, clock, contact, draft_row, walk_to


@pytest.fixture
def key(session, settings) -> str:
    return walk_to(session, settings, "contact").key


def save(session, key, **overrides):
    return registration.save_contact(session, key, **contact(**overrides), now=clock())


def errors_of(session, key, **overrides) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        save(session, key, **overrides)
    assert caught.value.key == "error.form_has_problems"
    return caught.value.errors


# --- valid contact -------------------------------------------------------------------------


def test_valid_contact_is_kept_and_the_next_step_is_the_location(session, key):
    snapshot = save(session, key, email="Ana@Example.COM")

    assert snapshot.step == "location"
    kept = draft_row(session, key).data["contact"]
    assert kept == {
        "full_name": "Ana María López",
        "phone_e164": PHONE_E164,
        "email": "Ana@example.com",
        "owner_kind": "resident",
        "business_name": None,
    }
    assert draft_row(session, key).step == "location"


def test_email_is_optional(session, key):
    save(session, key, email="   ")

    assert draft_row(session, key).data["contact"]["email"] is None


def test_a_business_keeps_its_business_name(session, key):
    save(session, key, owner_kind="business", business_name="  Deep  Ellum   Tacos ")

    kept = draft_row(session, key).data["contact"]
    assert kept["owner_kind"] == "business"
    assert kept["business_name"] == "Deep Ellum Tacos"


def test_a_resident_does_not_keep_a_business_name_typed_before_switching(session, key):
    save(session, key, owner_kind="resident", business_name="Deep Ellum Tacos")

    assert draft_row(session, key).data["contact"]["business_name"] is None


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   ", "\t\n", "\u200b"])
def test_empty_name_is_refused(session, key, name):
    assert errors_of(session, key, full_name=name) == {"full_name": "error.full_name_required"}


def test_a_10000_character_name_is_refused(session, key):
    assert errors_of(session, key, full_name="A" * 10_000) == {"full_name": "error.name_too_long"}


def test_a_name_of_exactly_120_characters_is_accepted(session, key):
    save(session, key, full_name="A" * 120)

    assert draft_row(session, key).data["contact"]["full_name"] == "A" * 120


def test_a_name_without_letters_is_refused(session, key):
    assert errors_of(session, key, full_name="12345 😀") == {
        "full_name": "error.name_needs_letters"
    }


@pytest.mark.parametrize(
    "typed",
    [
        "José Ñúñez 👩‍👩‍👧",
        "Zoë Ødegård-Nguyễn 🇲🇽",
        "李小龍",
        "Renée O'Connor ❤️",
    ],
)
def test_names_with_emoji_and_accents_are_kept(session, key, typed):
    save(session, key, full_name=typed)

    assert draft_row(session, key).data["contact"]["full_name"] == typed


@pytest.mark.parametrize(
    "typed",
    [
        pytest.param(
            "Gareth Jones \U0001f3f4\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",
            id="wales_flag",
        ),
        pytest.param(
            "\u0641\u0627\u0637\u0645\u0647\u200c\u0632\u0647\u0631\u0627"
            " \u0631\u0636\u0627\u06cc\u06cc",
            id="persian_zwnj",
        ),
    ],
)
def test_emoji_and_scripts_that_need_format_characters_are_kept(session, key, typed):
    save(session, key, full_name=typed)

    assert draft_row(session, key).data["contact"]["full_name"] == typed


def test_decomposed_accents_are_stored_nfc(session, key):
    decomposed = unicodedata.normalize("NFD", "José Ñúñez")
    assert decomposed != "José Ñúñez"

    save(session, key, full_name=decomposed)

    stored = draft_row(session, key).data["contact"]["full_name"]
    assert stored == "José Ñúñez"
    assert unicodedata.is_normalized("NFC", stored)


def test_whitespace_in_a_name_is_trimmed_and_folded(session, key):
    save(session, key, full_name="  Ana \t María\n\n López\u00a0 ")

    assert draft_row(session, key).data["contact"]["full_name"] == "Ana María López"


def test_invisible_control_characters_are_dropped_but_emoji_joiners_kept(session, key):
    save(session, key, full_name="Ana\u200b Ló\u0000pez 👨\u200d👩\u200d👧")

    assert draft_row(session, key).data["contact"]["full_name"] == "Ana López 👨\u200d👩\u200d👧"


# --- phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["(214) 748-3647", "214-748-3647", "2147483647", "+1 214 748 3647", " 214.748.3647 "],
)
def test_a_dallas_mobile_is_stored_in_e164(session, key, typed):
    save(session, key, phone=typed)

    assert draft_row(session, key).data["contact"]["phone_e164"] == PHONE_E164


def test_a_mobile_outside_the_texting_regions_is_refused(session, key):
    # Texting abroad costs more and is how SMS-pumping fraud pays: US numbers only by default.
    assert errors_of(session, key, phone="+34 612 345 678") == {"phone": "error.phone_region"}


def test_more_texting_regions_can_be_allowed(session, key):
    registration.save_contact(
        session, key, **contact(phone="+34 612 345 678"), allowed_regions=("US", "ES")
    )
    assert draft_row(session, key).data["contact"]["phone_e164"] == "+34612345678"


@pytest.mark.parametrize("typed", ["12345", "abc", "214-748-364", "+1 000 000 0000", "1" * 41])
def test_an_invalid_phone_is_refused(session, key, typed):
    assert errors_of(session, key, phone=typed) == {"phone": "error.phone_invalid"}


def test_a_missing_phone_is_refused(session, key):
    assert errors_of(session, key, phone="  ") == {"phone": "error.phone_required"}


@pytest.mark.parametrize(
    "typed",
    [
        "800-225-5288",  # toll-free
        "(888) 555-0199",  # toll-free
        "900-976-1234",  # premium rate
        "+44 20 7946 0958",  # London landline
    ],
)
def test_numbers_that_cannot_get_texts_are_refused(session, key, typed):
    assert errors_of(session, key, phone=typed) == {"phone": "error.phone_not_mobile"}


def test_changing_the_phone_after_verifying_asks_for_verification_again(session, settings):
    walk = walk_to(session, settings, "verified")
    assert draft_row(session, walk.key).data["phone_verified"] == PHONE_E164

    registration.save_contact(session, walk.key, **contact(phone="469-300-1234"), now=walk.now)

    data = draft_row(session, walk.key).data
    assert data["contact"]["phone_e164"] == "+14693001234"
    assert "phone_verified" not in data
    # The locations are kept: the resident goes back to the agreement, not the address.
    assert draft_row(session, walk.key).step == "agreement"
    assert len(data["sites"]) == 1


# --- e-mail and kind -----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ana", "ana@", "@example.com", "ana@@example.com", "a b@c.com"])
def test_an_invalid_email_is_refused(session, key, typed):
    assert errors_of(session, key, email=typed) == {"email": "error.email_invalid"}


def test_a_business_without_business_name_is_refused(session, key):
    assert errors_of(session, key, owner_kind="business", business_name="  ") == {
        "business_name": "error.business_name_required"
    }


def test_an_unknown_owner_kind_is_refused(session, key):
    assert errors_of(session, key, owner_kind="landlord") == {
        "owner_kind": "error.owner_kind_required"
    }


def test_several_errors_are_reported_at_once_and_nothing_is_saved(session, key):
    errors = errors_of(
        session,
        key,
        full_name=" ",
        phone="800-225-5288",
        email="not-an-email",
        owner_kind="business",
        business_name="",
    )

    assert errors == {
        "full_name": "error.full_name_required",
        "phone": "error.phone_not_mobile",
        "email": "error.email_invalid",
        "business_name": "error.business_name_required",
    }
    draft = draft_row(session, key)
    assert "contact" not in draft.data
    assert draft.step == "contact"


# --- the draft -----------------------------------------------------------------------------


def test_what_was_typed_is_kept_for_a_reload(session, key):
    registration.save_typed(session, key, {"full_name": "Ana Ma", "phone": "214"})

    assert draft_row(session, key).data["raw"] == {"full_name": "Ana Ma", "phone": "214"}


def test_an_unknown_draft_key_is_refused(session):
    with pytest.raises(DomainError) as caught:
        registration.save_contact(session, "no-such-key", **contact())

    assert caught.value.key == "error.draft_expired"


def test_only_form_fields_are_kept_as_typed(session, key):
    registration.save_typed(session, key, {"full_name": "Ana", "x" * 30: "junk", "owner": "1"})

    assert draft_row(session, key).data["raw"] == {"full_name": "Ana"}

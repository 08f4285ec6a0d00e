"""A signature is the registered name's letters: case, accents, emoji, punctuation, spacing
and digits do not count, at sign-up and at re-consent alike."""

from __future__ import annotations

import pytest

from camshare.services import registration
from camshare.services.errors import ValidationFailed
from camshare.services.registration.agreement import signature_matches
from tests.unit.builders import IP, USER_AGENT, draft_row, publish, walk_to

FULL_NAME = "José Ñúñez 😀"


@pytest.mark.parametrize(
    "typed",
    [
        "Jose Nunez",
        "josé ñúñez",
        "JOSE NUNEZ",
        "Jose  Nunez 😀",
        "José-Ñúñez.",
        "josenunez",
        "Jose Nun\u0303ez",  # a decomposed ñ, as some keyboards type it
    ],
)
def test_a_signature_ignores_case_accents_emoji_punctuation_and_spacing(typed):
    assert signature_matches(typed, FULL_NAME)


@pytest.mark.parametrize("typed", ["Jose Nune", "Jose Nunez Garcia", "😀", "...", "Ana Lopez"])
def test_a_signature_with_other_letters_is_refused(typed):
    assert not signature_matches(typed, FULL_NAME)


def test_names_in_other_scripts_are_compared_by_their_letters():
    assert signature_matches("王 小明", "王小明 🙂")
    assert not signature_matches("王小", "王小明")


def test_the_sign_up_accepts_the_name_typed_without_accents_or_emoji(session, settings):
    walk = walk_to(session, settings, "agreement", full_name=FULL_NAME)
    agreement = publish(session)

    snapshot = registration.accept_agreement(
        session, walk.key, agreement.id, True, "Jose Nunez", IP, USER_AGENT
    )

    assert snapshot.step == "verify"
    assert draft_row(session, walk.key).data["consent"]["typed_name"] == "Jose Nunez"


def test_the_sign_up_refuses_a_different_name(session, settings):
    walk = walk_to(session, settings, "agreement", full_name=FULL_NAME)
    agreement = publish(session)

    with pytest.raises(ValidationFailed) as caught:
        registration.accept_agreement(
            session, walk.key, agreement.id, True, "Jose Nunes", IP, USER_AGENT
        )

    assert caught.value.errors == {"typed_name": "error.typed_name_mismatch"}

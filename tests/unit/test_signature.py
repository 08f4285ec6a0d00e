"""A signature is the registered name's letters: case, accents, emoji, punctuation, spacing
and digits do not count, at sign-up and at re-consent alike."""

from __future__ import annotations

import pytest

from camshare.services.registration.agreement import signature_matches

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

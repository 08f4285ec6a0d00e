"""The sign-up compares the signature with the name registered, on the draft."""

from __future__ import annotations

import pytest

from camshare.services import registration
from camshare.services.errors import ValidationFailed
from tests.unit.builders import IP, USER_AGENT, draft_row, publish, walk_to

FULL_NAME = "José Ñúñez 😀"


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

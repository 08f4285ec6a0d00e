"""Going back a step (the Back button or the phone's Back gesture) lands on the step before."""

from __future__ import annotations

import pytest

from camshare.services import registration
from camshare.services.errors import DomainError
from tests.unit.builders import draft_row, publish, walk_to


def test_back_from_the_agreement_reopens_the_last_locations_cameras(session, settings):
    walk = walk_to(session, settings, "agreement")
    saved = draft_row(session, walk.key).data["sites"][-1]

    snapshot = registration.go_to_step(session, walk.key, "cameras")

    assert snapshot.step == "cameras"
    assert snapshot.data["site"]["cameras"] == saved["cameras"]
    assert [row["camera_kind"] for row in snapshot.data["raw_cameras"]] == [
        row["camera_kind"] for row in saved["cameras"]
    ]
    # Saving it again replaces the location instead of adding a second one.
    again = registration.save_cameras(session, walk.key, snapshot.data["raw_cameras"])
    assert again.step == "agreement"
    assert len(again.data["sites"]) == 1


def test_back_from_the_agreement_reaches_the_pin_of_the_last_location(session, settings):
    walk = walk_to(session, settings, "agreement")

    assert registration.go_to_step(session, walk.key, "pin").step == "pin"


def test_forward_to_the_code_step_needs_the_signature(session, settings):
    walk = walk_to(session, settings, "agreement")
    with pytest.raises(DomainError) as caught:
        registration.go_to_step(session, walk.key, "verify")
    assert caught.value.key == "error.step_unavailable"

    walk.agreement = publish(session)
    signed = walk_to(session, settings, "verify", key=walk.key)
    registration.go_to_step(session, signed.key, "agreement")
    assert registration.go_to_step(session, signed.key, "verify").step == "verify"

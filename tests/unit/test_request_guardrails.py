"""A request's guardrails: each field's limit, from the settings, checked before any search."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from camshare.services.access.guardrails import check_draft
from camshare.services.errors import ValidationFailed
from tests.support.access_builders import NOW, draft


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"case_number": "  "}, "case_number"),
        ({"case_number": "x"}, "case_number"),
        ({"incident_type": "protest"}, "incident_type"),
        ({"incident_type": "other"}, "incident_type"),
        ({"lat": None}, "location"),
        ({"window_start": None}, "window"),
        (
            {"window_start": NOW - timedelta(hours=1), "window_end": NOW - timedelta(hours=2)},
            "window",
        ),
        ({"window_end": NOW + timedelta(minutes=5)}, "window"),
        ({"window_start": NOW - timedelta(hours=12, minutes=1), "window_end": NOW}, "window"),
        ({"radius_m": 401}, "radius_m"),
        ({"radius_m": 0}, "radius_m"),
        ({"message_template": ""}, "message"),
        ({"message_template": "free text"}, "message"),
        ({"message_blanks": (("colour", "white"),)}, "message"),
        ({"message_blanks": (("colour", "plaid"), ("vehicle", "car"))}, "message"),
        # Own words are refused unless the agency allows them (CAMSHARE_REQUEST_OWN_WORDS).
        ({"message": "Look for a guy in a red hoodie"}, "own_words"),
    ],
)
def test_each_guardrail_refuses_its_field(settings, overrides, field):
    with pytest.raises(ValidationFailed) as refused:
        check_draft(draft(**overrides), settings, NOW)
    assert list(refused.value.errors) == [field]


@pytest.mark.parametrize(
    "overrides",
    [
        {"window_start": NOW - timedelta(hours=12), "window_end": NOW},
        {"radius_m": 400},
        {"radius_m": 1},
        {"incident_type": "missing_child"},
        {"message_template": "footage", "message_blanks": ()},
    ],
)
def test_each_guardrail_accepts_its_limit(settings, overrides):
    assert problems(draft(**overrides), settings) == {}


def test_own_words_are_allowed_by_a_setting_up_to_the_message_limit(settings):
    allowing = replace(settings, request_own_words=True)
    check_draft(draft(message="x" * 500), allowing, NOW)
    with pytest.raises(ValidationFailed) as refused:
        check_draft(draft(message="x" * 501), allowing, NOW)
    assert list(refused.value.errors) == ["own_words"]


def test_limits_come_from_settings(settings):
    wider = replace(settings, request_max_radius_m=800, request_max_window_hours=24)
    far_and_long = draft(radius_m=800, window_start=NOW - timedelta(hours=24), window_end=NOW)

    assert problems(far_and_long, settings).keys() == {"radius_m", "window"}
    assert problems(far_and_long, wider) == {}


def problems(request_draft, settings) -> dict[str, str]:
    """The fields ``check_draft`` refuses, with their message keys ({} when it accepts)."""
    try:
        check_draft(request_draft, settings, NOW)
    except ValidationFailed as refused:
        return dict(refused.errors)
    return {}

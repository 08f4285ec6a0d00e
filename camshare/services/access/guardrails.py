"""The limits every access request must respect, enforced on the server.

Categories come from settings (no free-text "other"); the time window and the radius
are capped; the message to owners is a template in every language (see messages). A
request that breaks a rule is refused with a message for each field, and nothing the
officer typed is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from camshare.services.access.messages import message_problems
from camshare.services.errors import ValidationFailed
from camshare.settings import Settings

CASE_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./_-]{2,39}$")
# Clocks of phones and servers differ a little: an end "now" on the officer's screen
# must not be refused as being in the future.
CLOCK_SKEW = timedelta(minutes=2)


@dataclass(frozen=True)
class RequestDraft:
    """What an officer filled in for a new request."""

    case_number: str
    incident_type: str
    lat: float | None
    lon: float | None
    window_start: datetime | None
    window_end: datetime | None
    radius_m: int
    # The officer's own words, beside the template (only where the agency allows them).
    message: str
    address_text: str | None = None
    # The place as owners will be told it: a block, never the exact address.
    block: str | None = None
    zip_code: str | None = None
    message_template: str = ""
    message_blanks: tuple[tuple[str, str], ...] = ()


def incident_categories(settings: Settings) -> list[tuple[str, bool]]:
    """Every category police may choose, as (key, is_emergency), criminal ones first."""
    return [(key, False) for key in settings.incident_type_list] + [
        (key, True) for key in settings.emergency_type_list
    ]


def is_emergency(settings: Settings, incident_type: str) -> bool:
    """Whether ``incident_type`` is one of the configured emergencies."""
    return incident_type in settings.emergency_type_list


def check_draft(draft: RequestDraft, settings: Settings, now: datetime) -> None:
    """Raise ValidationFailed naming each field that breaks a rule."""
    errors: dict[str, str] = {}
    if not draft.case_number.strip():
        errors["case_number"] = "request.error.case_required"
    elif not CASE_NUMBER.match(draft.case_number.strip()):
        errors["case_number"] = "request.error.case_format"
    if draft.incident_type not in dict(incident_categories(settings)):
        errors["incident_type"] = "request.error.incident_type"
    if draft.lat is None or draft.lon is None:
        errors["location"] = "request.error.location_required"
    start, end = draft.window_start, draft.window_end
    if start is None or end is None:
        errors["window"] = "request.error.window_required"
    elif end <= start:
        errors["window"] = "request.error.window_order"
    elif end > now + CLOCK_SKEW:
        errors["window"] = "request.error.window_future"
    elif end - start > timedelta(hours=settings.request_max_window_hours):
        errors["window"] = "request.error.window_too_long"
    if not 1 <= draft.radius_m <= settings.request_max_radius_m:
        errors["radius_m"] = "request.error.radius"
    errors.update(
        message_problems(
            draft.message_template,
            dict(draft.message_blanks),
            draft.message,
            own_words_allowed=settings.request_own_words,
            own_words_max=settings.request_message_max,
        )
    )
    if errors:
        limits = {
            "window": {"hours": f"{settings.request_max_window_hours:g}"},
            "radius_m": {"max": settings.request_max_radius_m},
            "own_words": {"max": settings.request_message_max},
        }
        raise ValidationFailed(errors, {f: limits[f] for f in errors if f in limits})

"""How a request is told to owners: its place as a block, its times in local time, its SMS."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from camshare.i18n import translate
from camshare.settings import Settings

_HOUSE_NUMBER = re.compile(r"^\s*(\d+)[A-Za-z]?\s+(.+)$")


def block_of(address_line: str | None, zip_code: str | None = None) -> str:
    """The block an address is on ("1500 Marilla St" for "1523 Marilla St"), never the house.

    Without a house number, the street alone; without a street, the ZIP code.
    """
    line = (address_line or "").split(",")[0].strip()
    match = _HOUSE_NUMBER.match(line)
    if match:
        return f"{int(match.group(1)) // 100 * 100} {match.group(2).strip()}"
    return line or (zip_code or "")


def describe_block(block: str, language: str) -> str:
    """``block`` as a phrase: "the 1500 block of Marilla St" / "la cuadra 1500 de Marilla St"."""
    match = _HOUSE_NUMBER.match(block)
    if match:
        return translate(language, "request.block_of", number=match.group(1), street=match.group(2))
    return block


def incident_label(incident_type: str, language: str) -> str:
    """The category's name in ``language`` (a configured key without a translation reads as is)."""
    key = f"incident.{incident_type}"
    text = translate(language, key)
    return incident_type.replace("_", " ") if text == key else text


def local(moment: datetime, settings: Settings) -> datetime:
    """``moment`` in the agency's time zone."""
    return moment.astimezone(ZoneInfo(settings.timezone))


def format_moment(moment: datetime, language: str, settings: Settings) -> str:
    """A date and time as people there read it: "11/24 1:30 PM" or "24/11 13:30"."""
    at = local(moment, settings)
    if language == "es":
        return f"{at.day}/{at.month} {at:%H:%M}"
    return f"{at.month}/{at.day} {at.hour % 12 or 12}:{at:%M} {at:%p}"


def format_window(start: datetime, end: datetime, language: str, settings: Settings) -> str:
    """A time window, the date written once when it does not change."""
    first, last = local(start, settings), local(end, settings)
    if first.date() == last.date():
        end_time = format_moment(end, language, settings).split(" ", 1)[1]
        return f"{format_moment(start, language, settings)}-{end_time}"
    return f"{format_moment(start, language, settings)} - {format_moment(end, language, settings)}"


def request_sms(
    *,
    language: str,
    settings: Settings,
    incident_type: str,
    emergency: bool,
    block: str,
    window_start: datetime,
    window_end: datetime,
    expires_at: datetime,
    reply_code: str,
    link: str,
) -> str:
    """The text an owner gets: who asks, what, where, when, until when, the code and the link."""
    return translate(
        language,
        "sms.request_emergency" if emergency else "sms.request",
        agency=settings.agency_short_name,
        incident=incident_label(incident_type, language),
        place=describe_block(block, language),
        window=format_window(window_start, window_end, language, settings),
        expires=format_moment(expires_at, language, settings),
        code=reply_code,
        link=link,
    )


def camera_summary(
    language: str, camera_kind: str, count: int, faces: str, direction: str | None = None
) -> str:
    """One row of cameras in words: "2 x Doorbell camera (street, N)" with a times sign."""
    kind = translate(language, f"cameras.kind.{camera_kind}")
    where = translate(language, f"cameras.faces.{faces}")
    if direction:
        where += f", {direction}"
    return f"{count} × {kind} ({where})"  # noqa: RUF001 - the multiplication sign is meant

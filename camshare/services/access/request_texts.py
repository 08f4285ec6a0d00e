"""How a request is told to owners: its place as a block (or, without one, relative to the
owner's own camera), its times in local time, how to check it is genuine, its SMS."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from math import atan2, cos, degrees, radians, sin
from zoneinfo import ZoneInfo

from camshare.i18n import translate
from camshare.services.access.geo import distance_m
from camshare.services.geography.addresses import postal_address
from camshare.settings import Settings

_HOUSE_NUMBER = re.compile(r"^\s*(\d+)[A-Za-z]?\s+(.+)$")
# What a point picked on the map without a reverse geocoder is stored as ("32.791, -96.804"),
# or a ZIP code alone: neither tells an owner where the place is.
_NOT_A_STREET = re.compile(r"^\s*(-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?|\d{5}(-\d{4})?)?\s*$")
COMPASS_POINTS = (
    "north",
    "north_east",
    "east",
    "south_east",
    "south",
    "south_west",
    "west",
    "north_west",
)
# Closer than this, "about 10 m north" of a camera is noise: the incident is at the camera.
AT_THE_SITE_M = 15


@dataclass(frozen=True)
class OwnerSite:
    """One of the owner's own registered locations, to tell them where an incident is."""

    address_line: str
    city: str | None
    state: str | None
    lat: float
    lon: float


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


def compass_point(from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> str:
    """Which of the 8 compass points ``to`` lies in, seen from ``from`` (a catalog suffix)."""
    phi1, phi2 = radians(from_lat), radians(to_lat)
    dlon = radians(to_lon - from_lon)
    bearing = degrees(
        atan2(sin(dlon) * cos(phi2), cos(phi1) * sin(phi2) - sin(phi1) * cos(phi2) * cos(dlon))
    )
    return COMPASS_POINTS[int(((bearing + 22.5) % 360) // 45)]


def rounded_distance(metres: float, language: str) -> str:
    """A distance as people say it: to 10 m below 200 m, to 50 m below 1 km, then in km."""
    if metres < 200:
        return f"{max(10, round(metres / 10) * 10)} m"
    if metres < 1000:
        step = round(metres / 50) * 50
        return f"{step} m" if step < 1000 else "1 km"
    km = f"{metres / 1000:.1f}"
    return f"{km.replace('.', ',') if language == 'es' else km} km"


def names_a_street(block: str | None) -> bool:
    """Whether a stored block names a street (not a bare point or ZIP code)."""
    return not _NOT_A_STREET.match(block or "")


def describe_place(
    block: str,
    language: str,
    settings: Settings,
    *,
    incident: tuple[float, float] | None = None,
    sites: Sequence[OwnerSite] = (),
) -> str:
    """Where an incident is, in words, for one owner: "near the 1500 block of Marilla St,
    Dallas, TX"; without a street, "about 120 m north-east of your camera at ...", measured
    from the nearest of ``sites`` (works offline: no geocoder is asked)."""
    city, state = settings.default_city, settings.default_state
    if names_a_street(block):
        where = postal_address(describe_block(block, language), city, state)
        return translate(language, "request.near", place=where)
    if incident is not None and sites:
        lat, lon = incident
        site = min(sites, key=lambda s: distance_m(s.lat, s.lon, lat, lon))
        # The block of the owner's own address, never the house: an SMS shows on a lock screen.
        address = postal_address(
            block_of(site.address_line), site.city or city, site.state or state
        )
        metres = distance_m(site.lat, site.lon, lat, lon)
        if metres < AT_THE_SITE_M:
            return translate(language, "request.at_your_site", address=address)
        direction = translate(language, f"compass.{compass_point(site.lat, site.lon, lat, lon)}")
        return translate(
            language,
            "request.from_your_site",
            distance=rounded_distance(metres, language),
            direction=direction,
            address=address,
        )
    return translate(language, "request.near", place=block)


def check_genuine(language: str, settings: Settings) -> str:
    """How an owner checks that a request is really the agency's (its phone, its website)."""
    phone, website = settings.agency_phone.strip(), settings.agency_website.strip()
    if phone and website:
        return translate(language, "request.check_both", phone=phone, website=website)
    if phone:
        return translate(language, "request.check_phone", phone=phone)
    if website:
        return translate(language, "request.check_website", website=website)
    return ""


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
    case_number: str,
    place: str,
    window_start: datetime,
    window_end: datetime,
    expires_at: datetime,
    reply_code: str,
    link: str,
) -> str:
    """The text an owner gets: who asks, the case, what, where (``place``, see
    ``describe_place``), when, until when, the code, the link and how to check it is real."""
    check = check_genuine(language, settings)
    return translate(
        language,
        "sms.request_emergency" if emergency else "sms.request",
        agency=settings.agency_short(language),
        case=case_number,
        incident=incident_label(incident_type, language),
        place=place,
        window=format_window(window_start, window_end, language, settings),
        expires=format_moment(expires_at, language, settings),
        code=reply_code,
        link=link,
        check=f"{check} " if check else "",
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

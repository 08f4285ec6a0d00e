"""The location step: an address or the phone's position, then the pin."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from camshare.models import RegistrationDraft
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.geography.addresses import TypedAddress
from camshare.services.geography.geocoding import (
    Geocoder,
    GeocoderUnavailable,
    address_query,
    geocode_cached,
    query_key,
    zip_centroid,
)
from camshare.services.geography.jurisdiction import Jurisdiction
from camshare.services.registration.drafts import (
    DraftSnapshot,
    load_draft,
    save_draft,
    snapshot_of,
)


@dataclass(frozen=True)
class LocationResult:
    """Where the pin goes and why: matched, not found, geocoder down, or from the device."""

    status: str  # "ok" | "no_match" | "unavailable" | "device"
    lat: float
    lon: float
    snapshot: DraftSnapshot


def clean_address(typed: TypedAddress) -> dict:
    """The address as stored: trimmed, checked (ValidationFailed keyed by field)."""
    errors: dict[str, str] = {}
    values = {
        "address_line": re.sub(r"\s+", " ", typed.address_line).strip()[:300],
        "unit": re.sub(r"\s+", " ", typed.unit).strip()[:50],
        "city": re.sub(r"\s+", " ", typed.city).strip()[:100],
        "state": re.sub(r"\s+", " ", typed.state).strip()[:50],
        "zip_code": typed.zip_code.strip(),
    }
    if not values["address_line"]:
        errors["address_line"] = "error.address_required"
    elif not re.search(r"\d", values["address_line"]) or not re.search(
        r"[^\W\d_]", values["address_line"]
    ):
        errors["address_line"] = "error.address_needs_number_and_street"
    if values["zip_code"] and not re.fullmatch(r"\d{5}(-\d{4})?", values["zip_code"]):
        errors["zip_code"] = "error.zip_invalid"
    if not values["city"] and not values["zip_code"]:
        errors["city"] = "error.city_or_zip_required"
    if errors:
        raise ValidationFailed(errors)
    values["zip_code"] = values["zip_code"][:5]
    return values


def site_address_key(address_line: str, unit: str, zip_code: str, city: str) -> str:
    """What makes two registrations the same location for one owner."""
    return query_key(f"{address_line} {unit} {zip_code or city}")


def _start_site(
    draft: RegistrationDraft, address: dict, lat: float, lon: float, source: str, status: str
) -> None:
    """Put the location being added at a proposed point; the address is kept as typed too."""
    draft.data["site"] = {
        **address,
        "lat": lat,
        "lon": lon,
        "location_source": source,
        "geocode_status": status,
        "cameras": (draft.data.get("site") or {}).get("cameras") or [],
    }
    raw = draft.data.setdefault("raw", {})
    for name in ("address_line", "unit", "city", "state", "zip_code"):
        raw[name] = address[name]


@dataclass(frozen=True)
class ProposedPlace:
    """A cleaned address and where its pin starts, before anything is stored."""

    address: dict
    lat: float
    lon: float
    source: str  # "geocoder" | "zip_centroid" | "map_center"
    status: str  # "ok" | "no_match" | "unavailable"


def place_address(
    session: Session,
    geocoder: Geocoder,
    jurisdiction: Jurisdiction,
    typed: TypedAddress,
    map_center: tuple[float, float],
) -> ProposedPlace:
    """Clean and geocode an address; an outage falls back to the ZIP centroid.

    Refuses an address outside the jurisdiction. Shared by the sign-up and the owner's page.
    """
    address = clean_address(typed)
    query = address_query(
        address["address_line"], address["city"], address["state"], address["zip_code"]
    )
    outcome = geocode_cached(session, geocoder, query)
    status = outcome.status
    guess = zip_centroid(address["zip_code"])
    guess_inside = guess is not None and jurisdiction.contains(*guess)
    if status == "ok" and outcome.place is not None:
        lat, lon = outcome.place.lat, outcome.place.lon
        if not jurisdiction.contains(lat, lon):
            if not guess_inside:
                raise DomainError("error.outside_jurisdiction", field="address_line")
            # The geocoder picked a namesake street elsewhere, but the ZIP code is ours:
            # let the resident place the pin rather than turn them away.
            status, (lat, lon), source = "no_match", guess, "zip_centroid"
        else:
            source = "geocoder"
            if not address["zip_code"] and outcome.place.zip_code:
                address["zip_code"] = outcome.place.zip_code
    elif guess is not None and not guess_inside:
        # The map search cannot check the street, but the ZIP code is someone else's.
        raise DomainError("error.outside_jurisdiction", field="zip_code")
    else:
        # Without a match the pin starts at the ZIP code's centre, or the map's centre
        # when there is no ZIP code; either way the resident must put it in place.
        lat, lon = guess if guess_inside else map_center
        source = "zip_centroid" if guess_inside else "map_center"
    return ProposedPlace(address, lat, lon, source, status)


def locate_address(
    session: Session,
    key: str,
    geocoder: Geocoder,
    jurisdiction: Jurisdiction,
    typed: TypedAddress,
    map_center: tuple[float, float],
) -> LocationResult:
    """Geocode the address and propose a pin; an outage falls back to the ZIP centroid."""
    draft = load_draft(session, key)
    place = place_address(session, geocoder, jurisdiction, typed, map_center)
    _start_site(draft, place.address, place.lat, place.lon, place.source, place.status)
    save_draft(draft, "pin")
    return LocationResult(place.status, place.lat, place.lon, snapshot_of(draft, key, None))


def locate_device(
    session: Session,
    key: str,
    geocoder: Geocoder,
    jurisdiction: Jurisdiction,
    lat: float,
    lon: float,
) -> LocationResult:
    """Start from the phone's position; fill the address from a reverse lookup if possible."""
    draft = load_draft(session, key)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError("error.location_unavailable")
    if not jurisdiction.contains(lat, lon):
        raise DomainError("error.outside_jurisdiction")
    address = {"address_line": "", "unit": "", "city": "", "state": "", "zip_code": ""}
    status = "device"
    try:
        place = geocoder.reverse(lat, lon)
    except GeocoderUnavailable:
        place = None
        status = "unavailable"
    if place is not None:
        address.update(
            address_line=" ".join(p for p in (place.house_number, place.street) if p),
            city=place.city,
            state=place.state,
            zip_code=place.zip_code,
        )
    _start_site(draft, address, lat, lon, "device", "ok" if place else status)
    save_draft(draft, "pin")
    return LocationResult(status, lat, lon, snapshot_of(draft, key, None))


def _query_of(address: dict) -> str:
    return query_key(
        address_query(
            address["address_line"], address["city"], address["state"], address["zip_code"]
        )
    )


def move_pin(session: Session, key: str, lat: float, lon: float) -> None:
    """Remember where the resident put the pin, so a reload does not undo it."""
    draft = load_draft(session, key)
    site = draft.data.get("site")
    if site and -90 <= lat <= 90 and -180 <= lon <= 180:
        site["pin"] = [round(lat, 6), round(lon, 6)]
        save_draft(draft)


def confirm_pin(
    session: Session,
    key: str,
    jurisdiction: Jurisdiction,
    lat: float,
    lon: float,
    typed: TypedAddress | None = None,
) -> DraftSnapshot:
    """Accept the pin where the resident left it; it must be inside the jurisdiction.

    The address fields may be given again (a device location needs one typed in).
    """
    draft = load_draft(session, key)
    site = draft.data.get("site")
    if not site:
        raise DomainError("error.step_unavailable")
    if not jurisdiction.contains(lat, lon):
        raise DomainError("error.outside_jurisdiction")
    if typed is not None:
        address = clean_address(typed)
        if site["location_source"] != "device" and _query_of(address) != _query_of(site):
            # A corrected street or ZIP code must be looked up again, not pinned blindly.
            raise DomainError("error.address_changed")
        site.update(address)
    elif not site.get("address_line"):
        raise ValidationFailed({"address_line": "error.address_required"})
    moved = abs(lat - site["lat"]) > 1e-6 or abs(lon - site["lon"]) > 1e-6
    if site["location_source"] == "map_center" and not moved:
        raise DomainError("error.pin_not_placed")
    if moved or site["location_source"] == "zip_centroid":
        site["location_source"] = "resident_pin"
    site["lat"], site["lon"] = round(lat, 6), round(lon, 6)
    site["pin_confirmed"] = True
    save_draft(draft, "cameras")
    return snapshot_of(draft, key, None)

"""Placing an incident: an address looked up, or a point picked on the map."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from camshare.services.access.request_texts import block_of
from camshare.services.errors import DomainError
from camshare.services.geography.geocoding import (
    Geocoder,
    GeocoderUnavailable,
    address_query,
    geocode_cached,
)
from camshare.settings import Settings


@dataclass(frozen=True)
class IncidentPlace:
    """Where the incident is, and how owners will be told it (the block, not the house)."""

    lat: float
    lon: float
    block: str
    zip_code: str
    address_text: str


def locate_incident_address(
    session: Session, geocoder: Geocoder, address: str, settings: Settings
) -> IncidentPlace:
    """Geocode a typed address (in the agency's city unless another is written)."""
    address = address.strip()
    if len(address) < 3:
        raise DomainError("request.error.address_required", field="address")
    query = (
        address
        if "," in address
        else address_query(address, settings.default_city, settings.default_state, "")
    )
    outcome = geocode_cached(session, geocoder, query)
    if outcome.status == "unavailable":
        raise DomainError("request.error.geocoder_down", field="address")
    if outcome.place is None:
        raise DomainError("request.error.address_not_found", field="address")
    place = outcome.place
    return IncidentPlace(place.lat, place.lon, block_of(address), place.zip_code, address)


def place_incident_point(
    _session: Session, geocoder: Geocoder, lat: float, lon: float
) -> IncidentPlace:
    """A point picked on the map, described by the address the geocoder finds there.

    It takes the session as every use case the pages run does, though it reads nothing.

    Without a geocoder, owners are told the point to about 100 m: never more exact.
    """
    try:
        place = geocoder.reverse(lat, lon)
    except GeocoderUnavailable:
        place = None
    if place is not None and place.street:
        line = f"{place.house_number} {place.street}".strip()
        return IncidentPlace(lat, lon, block_of(line, place.zip_code), place.zip_code, line)
    return IncidentPlace(lat, lon, f"{lat:.3f}, {lon:.3f}", "", "")

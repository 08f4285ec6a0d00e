"""An owner's locations after sign-up: a changed address (re-geocoded, pin confirmed), one
more location, or one fewer.

The rules are the sign-up's (registration/location.py): the same geocoding with its cache
and outage fallback, the same jurisdiction check on the address and on the pin, the same
camera rows and the same limit of locations. The spatial indexes follow the site's lat/lon
by themselves (R*Tree triggers on SQLite, an expression index on PostgreSQL).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from camshare.models import Camera, Site, utcnow
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.geography.addresses import TypedAddress
from camshare.services.geography.geocoding import Geocoder
from camshare.services.geography.jurisdiction import Jurisdiction
from camshare.services.may_be_asked import refresh_may_be_asked
from camshare.services.owners.account import own_site
from camshare.services.registration.cameras import MAX_SITES, clean_camera_rows
from camshare.services.registration.location import (
    clean_address,
    place_address,
    site_address_key,
)

OWNER_PIN = "owner_pin"


@dataclass(frozen=True)
class PlacedAddress:
    """An address the owner typed, cleaned, and where its pin starts (nothing stored yet)."""

    lat: float
    lon: float
    address_line: str
    unit: str
    city: str
    state: str
    zip_code: str
    geocode_status: str  # "ok" | "no_match" | "unavailable"
    location_source: str  # "geocoder" | "zip_centroid" | "map_center"
    needs_pin_move: bool  # the pin is only the map's centre: the owner must put it in place

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for a UI state to keep between the look-up and the save."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> PlacedAddress:
        """Back from ``as_dict`` (as a UI state kept it)."""
        return cls(
            lat=float(values["lat"]),
            lon=float(values["lon"]),
            address_line=str(values.get("address_line") or ""),
            unit=str(values.get("unit") or ""),
            city=str(values.get("city") or ""),
            state=str(values.get("state") or ""),
            zip_code=str(values.get("zip_code") or ""),
            geocode_status=str(values.get("geocode_status") or "unavailable"),
            location_source=str(values.get("location_source") or "map_center"),
            needs_pin_move=bool(values.get("needs_pin_move")),
        )


def locate_for_owner(
    session: Session,
    owner_id: int,
    geocoder: Geocoder,
    jurisdiction: Jurisdiction,
    typed: TypedAddress,
    map_center: tuple[float, float],
) -> PlacedAddress:
    """Geocode an address as the sign-up does and propose a pin; stores nothing.

    Outside the jurisdiction: DomainError("error.outside_jurisdiction"). Geocoder down: the
    ZIP code's centre with geocode_status "unavailable" (the map's centre, which the owner
    must move, without a usable ZIP code).
    """
    del owner_id  # who asks does not change the answer; the save checks the site is theirs
    place = place_address(session, geocoder, jurisdiction, typed, map_center)
    return PlacedAddress(
        lat=place.lat,
        lon=place.lon,
        address_line=place.address["address_line"],
        unit=place.address["unit"],
        city=place.address["city"],
        state=place.address["state"],
        zip_code=place.address["zip_code"],
        geocode_status=place.status,
        location_source=place.source,
        needs_pin_move=place.source == "map_center",
    )


def _check_pin(placed: PlacedAddress, jurisdiction: Jurisdiction, lat: float, lon: float) -> None:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or not jurisdiction.contains(lat, lon):
        raise DomainError("error.outside_jurisdiction")
    moved = abs(lat - placed.lat) > 1e-6 or abs(lon - placed.lon) > 1e-6
    if placed.needs_pin_move and not moved:
        raise DomainError("error.pin_not_placed")


def save_location(
    session: Session,
    owner_id: int,
    site_id: int | None,
    placed: PlacedAddress,
    lat: float,
    lon: float,
    jurisdiction: Jurisdiction,
    cameras: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> Site:
    """Store the confirmed pin: the owner's site ``site_id`` moves, or (None) a new one.

    A new location needs camera rows (checked as at sign-up); an existing one keeps its
    cameras unless ``cameras`` is given. The same address twice for one owner is refused.
    """
    now = now or utcnow()
    lat, lon = float(lat), float(lon)
    address = clean_address(
        TypedAddress(placed.address_line, placed.unit, placed.city, placed.state, placed.zip_code)
    )
    _check_pin(placed, jurisdiction, lat, lon)
    rows = clean_camera_rows(cameras) if (cameras is not None or site_id is None) else None
    key = site_address_key(
        address["address_line"], address["unit"], address["zip_code"], address["city"]
    )
    if site_id is None:
        count = session.scalar(select(func.count(Site.id)).where(Site.owner_id == owner_id))
        if (count or 0) >= MAX_SITES:
            raise DomainError("error.too_many_sites")
        site = Site(owner_id=owner_id, status="active", geocode_attempts=0)
        action = "owner.location_added"
    else:
        site = own_site(session, owner_id, site_id)
        action = "owner.location_changed"
    clash = session.scalar(
        select(Site.id).where(Site.owner_id == owner_id, Site.address_key == key).limit(1)
    )
    if clash is not None and clash != site.id:
        raise DomainError("mylocations.duplicate_address", field="address_line")
    site.address_key = key
    site.address_line = address["address_line"]
    site.unit = address["unit"] or None
    site.city = address["city"] or None
    site.state = address["state"] or None
    site.zip_code = address["zip_code"] or None
    site.lat, site.lon = round(lat, 6), round(lon, 6)
    site.location_source = OWNER_PIN
    site.geocode_status = placed.geocode_status
    site.geocoded_at = now if placed.geocode_status == "ok" else None
    if rows is not None:
        site.cameras = [Camera(**row) for row in rows]
    if site_id is None:
        session.add(site)
    session.flush()
    # A new site starts not askable; a moved one is moved in the index by the database.
    refresh_may_be_asked(session, [owner_id])
    audit.record(session, f"owner:{owner_id}", action, f"site:{site.id}", at=now)
    return site


def save_my_location(session: Session, owner_id: int, *args, **kwargs) -> int:
    """The locations page's "save": ``save_location`` (same arguments); the site's id."""
    return save_location(session, owner_id, *args, **kwargs).id


def remove_location(
    session: Session, owner_id: int, site_id: int, now: datetime | None = None
) -> None:
    """Delete one of the owner's locations and its cameras; never the last one."""
    site = own_site(session, owner_id, site_id)
    count = session.scalar(select(func.count(Site.id)).where(Site.owner_id == owner_id))
    if (count or 0) <= 1:
        raise DomainError("mylocations.last_location")
    session.delete(site)
    session.flush()
    audit.record(
        session,
        f"owner:{owner_id}",
        "owner.location_removed",
        f"site:{site_id}",
        at=now or utcnow(),
    )

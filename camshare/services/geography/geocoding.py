"""Turning addresses into points (and back) through geopy, with a cache and fallbacks.

The geocoder is any geopy class chosen by settings (Nominatim by default). Calls are
spaced by ``geocoder_min_delay`` across every thread of the process, answers are cached
in the database, and when the geocoder is down the ZIP code's centroid from the offline
``zipcodes`` package stands in so that the resident can place the pin by hand.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import zipcodes
from geopy.adapters import RequestsAdapter
from geopy.exc import GeopyError
from geopy.geocoders import get_geocoder_for_service
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from camshare.models import GeocodeCacheEntry, utcnow
from camshare.settings import Settings


@dataclass(frozen=True)
class Place:
    """A point a geocoder found, with what it knows of the address there."""

    lat: float
    lon: float
    display_name: str = ""
    house_number: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    zip_code: str = ""


class GeocoderUnavailable(Exception):
    """The geocoder could not be asked (down, slow, refusing): try again later."""


class Geocoder(Protocol):
    """What camshare needs of a geocoder."""

    name: str

    def geocode(self, query: str) -> Place | None:
        """The best match for ``query``, or None when there is none."""

    def reverse(self, lat: float, lon: float) -> Place | None:
        """The address at a point, or None when there is none."""


def _place_from_location(location) -> Place:
    address = (getattr(location, "raw", None) or {}).get("address") or {}
    return Place(
        lat=float(location.latitude),
        lon=float(location.longitude),
        display_name=str(location.address or ""),
        house_number=address.get("house_number", ""),
        street=address.get("road", ""),
        city=address.get("city") or address.get("town") or address.get("village") or "",
        state=address.get("state", ""),
        zip_code=(address.get("postcode") or "")[:5],
    )


class GeopyGeocoder:
    """A geopy geocoder class picked by name from settings."""

    def __init__(self, settings: Settings, wait_turn: Callable[[], None] | None = None) -> None:
        cls = get_geocoder_for_service(settings.geocoder)
        options: dict = {
            "user_agent": settings.geocoder_user_agent,
            "timeout": settings.geocoder_timeout,
        }
        if settings.geocoder_domain:
            options["domain"] = settings.geocoder_domain
        if settings.geocoder_scheme:
            options["scheme"] = settings.geocoder_scheme
        # requests would retry a timed-out call twice on its own, tripling the resident's
        # wait and breaking the one-request-a-second spacing: camshare retries later instead.
        options["adapter_factory"] = functools.partial(RequestsAdapter, max_retries=0)
        options.update(settings.geocoder_extra_options)
        self.name = settings.geocoder
        self._geocoder = cls(**options)
        # Nominatim's policy: one request a second per application, not per process.
        self._wait_turn = wait_turn or (lambda: None)
        self._is_nominatim = settings.geocoder == "nominatim"
        self._country_codes = settings.geocoder_country_codes

    def geocode(self, query: str) -> Place | None:
        """Ask the geocoder for ``query``; GeocoderUnavailable when it cannot answer."""
        extra = {}
        if self._is_nominatim:
            extra = {"addressdetails": True, "country_codes": self._country_codes or None}
        self._wait_turn()
        try:
            location = self._geocoder.geocode(query, exactly_one=True, **extra)
        except GeopyError as exc:
            raise GeocoderUnavailable(str(exc)) from exc
        return _place_from_location(location) if location else None

    def reverse(self, lat: float, lon: float) -> Place | None:
        """Ask the geocoder what address is at (lat, lon)."""
        self._wait_turn()
        try:
            location = self._geocoder.reverse((lat, lon), exactly_one=True)
        except GeopyError as exc:
            raise GeocoderUnavailable(str(exc)) from exc
        return _place_from_location(location) if location else None


def make_geocoder(settings: Settings, wait_turn: Callable[[], None] | None = None) -> Geocoder:
    """The geocoder the settings name; ``wait_turn`` waits for its next turn before each call.

    The composition root (``runtime.geocoder``) passes a wait that spaces calls across the
    whole installation (``throttle.spaced``); None calls at once.
    """
    return GeopyGeocoder(settings, wait_turn)


def address_query(street: str, city: str, state: str, zip_code: str) -> str:
    """The one-line query sent to the geocoder (the unit is not part of it)."""
    parts = [street.strip(), city.strip(), f"{state.strip()} {zip_code.strip()}".strip()]
    return ", ".join(p for p in parts if p)


def query_key(query: str) -> str:
    """The cache key of a query: case, spacing and punctuation folded."""
    return re.sub(r"[^a-z0-9]+", " ", query.lower()).strip()[:400]


@dataclass(frozen=True)
class GeocodeOutcome:
    """What geocoding an address gave: a match, no match, or an outage (then a guess)."""

    status: str  # "ok" | "no_match" | "unavailable"
    place: Place | None


def geocode_cached(session: Session, geocoder: Geocoder, query: str) -> GeocodeOutcome:
    """Geocode ``query`` through the database cache; outages are reported, not cached."""
    key = query_key(query)
    cached = session.scalar(select(GeocodeCacheEntry).where(GeocodeCacheEntry.query_key == key))
    if cached is not None:
        if not cached.found:
            return GeocodeOutcome("no_match", None)
        place = Place(
            lat=cached.lat,
            lon=cached.lon,
            display_name=cached.display_name or "",
            zip_code=cached.zip_code or "",
        )
        return GeocodeOutcome("ok", place)
    try:
        place = geocoder.geocode(query)
    except GeocoderUnavailable:
        return GeocodeOutcome("unavailable", None)
    try:
        # Another resident may have just asked for the same address: their row will do.
        with session.begin_nested():
            session.add(
                GeocodeCacheEntry(
                    query_key=key,
                    provider=geocoder.name,
                    found=place is not None,
                    lat=place.lat if place else None,
                    lon=place.lon if place else None,
                    display_name=place.display_name[:400] if place else None,
                    zip_code=place.zip_code or None if place else None,
                )
            )
    except IntegrityError:
        pass
    return GeocodeOutcome("ok" if place else "no_match", place)


def zip_centroid(zip_code: str) -> tuple[float, float] | None:
    """The centre of a US ZIP code from offline data, or None when unknown."""
    code = (zip_code or "").strip()[:5]
    if not re.fullmatch(r"\d{5}", code):
        return None
    try:
        matches = zipcodes.matching(code)
    except (TypeError, ValueError):
        return None
    if not matches:
        return None
    return float(matches[0]["lat"]), float(matches[0]["long"])


def purge_geocode_cache(
    session: Session, older_than: timedelta, now: datetime | None = None
) -> int:
    """Forget cached answers older than ``older_than``: typed home addresses are personal."""
    cutoff = (now or utcnow()) - older_than
    result = session.execute(delete(GeocodeCacheEntry).where(GeocodeCacheEntry.created_at < cutoff))
    return result.rowcount or 0

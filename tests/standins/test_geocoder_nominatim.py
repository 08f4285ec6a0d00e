"""The real geopy Nominatim client, through camshare's adapter, against a local stand-in."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from camshare.models import Base, GeocodeCacheEntry
from camshare.services.geography.geocoding import (
    GeocoderUnavailable,
    geocode_cached,
    make_geocoder,
)
from camshare.settings import load_settings
from tests.support.nominatim_standin import KnownPlace, NominatimStandin

USER_AGENT = "camshare-tests/1.0 (integration; ops@example.org)"
CITY_HALL_QUERY = "1500 Marilla St, Dallas, TX 75201"
CITY_HALL = KnownPlace(
    lat=32.7763,
    lon=-96.7969,
    display_name="Dallas City Hall, 1500, Marilla Street, Dallas, Dallas County, Texas, "
    "75201, United States",
    address={
        "house_number": "1500",
        "road": "Marilla Street",
        "city": "Dallas",
        "county": "Dallas County",
        "state": "Texas",
        "postcode": "75201-6318",
    },
)
UNKNOWN_QUERY = "1 Nowhere Lane, Atlantis, TX 99999"


@pytest.fixture
def server():
    with NominatimStandin(places={CITY_HALL_QUERY: CITY_HALL}) as standin:
        yield standin


def _settings(server: NominatimStandin, timeout: str = "1"):
    return load_settings(
        {
            "CAMSHARE_GEOCODER": "nominatim",
            "CAMSHARE_GEOCODER_DOMAIN": server.domain,
            "CAMSHARE_GEOCODER_SCHEME": "http",
            "CAMSHARE_GEOCODER_TIMEOUT": timeout,
            "CAMSHARE_GEOCODER_MIN_DELAY": "0",
            "CAMSHARE_GEOCODER_USER_AGENT": USER_AGENT,
        }
    )


@pytest.fixture
def geocoder(server):
    return make_geocoder(_settings(server))


@pytest.fixture
def session():
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as db:
        yield db
    engine.dispose()


def _cache_rows(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(GeocodeCacheEntry))


# Forward geocoding ------------------------------------------------------------------------


def test_a_known_address_gives_its_point_and_zip_and_sends_the_user_agent(server, geocoder):
    place = geocoder.geocode(CITY_HALL_QUERY)

    assert place is not None
    assert place.lat == pytest.approx(32.7763)
    assert place.lon == pytest.approx(-96.7969)
    assert place.zip_code == "75201"  # ZIP+4 cut to the five-digit ZIP
    assert (place.house_number, place.street, place.city) == ("1500", "Marilla Street", "Dallas")
    assert place.display_name.startswith("Dallas City Hall")
    [request] = server.requests
    assert request.path == "/search"
    assert request.user_agent == USER_AGENT
    assert request.params["q"] == CITY_HALL_QUERY
    assert request.params["format"] == "json"
    assert request.params["countrycodes"] == "us"
    assert request.params["addressdetails"] == "1"


def test_an_unknown_address_gives_none(server, geocoder):
    assert geocoder.geocode(UNKNOWN_QUERY) is None
    assert [r.path for r in server.requests] == ["/search"]


def test_a_geocoder_slower_than_the_timeout_is_reported_unavailable(server):
    geocoder = make_geocoder(_settings(server, timeout="0.3"))
    server.mode = "slow"
    server.delay = 5.0

    with pytest.raises(GeocoderUnavailable):
        geocoder.geocode(CITY_HALL_QUERY)

    # One try only: the resident gets the ZIP fallback instead of waiting out retries.
    assert len(server.requests_to("/search")) == 1


@pytest.mark.parametrize("status", [500, 503])
def test_a_failing_geocoder_is_reported_unavailable(server, geocoder, status):
    server.mode = "error"
    server.error_status = status

    with pytest.raises(GeocoderUnavailable):
        geocoder.geocode(CITY_HALL_QUERY)
    with pytest.raises(GeocoderUnavailable):
        geocoder.reverse(CITY_HALL.lat, CITY_HALL.lon)


# Reverse geocoding ------------------------------------------------------------------------


def test_a_point_gives_the_address_there(server, geocoder):
    place = geocoder.reverse(32.77635, -96.79695)

    assert place is not None
    assert (place.house_number, place.street) == ("1500", "Marilla Street")
    assert place.city == "Dallas"
    assert place.state == "Texas"
    assert place.zip_code == "75201"
    [request] = server.requests
    assert request.path == "/reverse"
    assert float(request.params["lat"]) == pytest.approx(32.77635)
    assert float(request.params["lon"]) == pytest.approx(-96.79695)
    assert request.user_agent == USER_AGENT


def test_a_point_with_no_address_gives_none(server, geocoder):
    assert geocoder.reverse(31.0, -100.0) is None
    assert [r.path for r in server.requests] == ["/reverse"]


# The cache --------------------------------------------------------------------------------


def test_a_second_lookup_of_the_same_address_is_answered_from_the_cache(server, geocoder, session):
    first = geocode_cached(session, geocoder, CITY_HALL_QUERY)
    second = geocode_cached(session, geocoder, "1500 MARILLA ST  DALLAS TX, 75201")

    assert first.status == second.status == "ok"
    assert (second.place.lat, second.place.lon) == pytest.approx((32.7763, -96.7969))
    assert second.place.zip_code == "75201"
    assert second.place.display_name == CITY_HALL.display_name
    assert len(server.requests_to("/search")) == 1


def test_an_outage_is_reported_and_not_cached(server, geocoder, session):
    server.mode = "error"
    outage = geocode_cached(session, geocoder, CITY_HALL_QUERY)

    assert outage.status == "unavailable"
    assert outage.place is None
    assert _cache_rows(session) == 0

    server.mode = "normal"
    later = geocode_cached(session, geocoder, CITY_HALL_QUERY)

    assert later.status == "ok"
    assert later.place.zip_code == "75201"
    assert len(server.requests_to("/search")) == 2


def test_no_match_is_cached(server, geocoder, session):
    first = geocode_cached(session, geocoder, UNKNOWN_QUERY)
    second = geocode_cached(session, geocoder, UNKNOWN_QUERY)

    assert first.status == second.status == "no_match"
    assert second.place is None
    assert _cache_rows(session) == 1
    assert len(server.requests_to("/search")) == 1


# The offline fallback ---------------------------------------------------------------------

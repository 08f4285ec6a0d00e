"""The composition root (camshare.runtime) wires the adapters; settings build the links."""

from __future__ import annotations

from sqlalchemy import select

from camshare import runtime
from camshare.models import ThrottleSlot
from camshare.settings import load_settings
from tests.support.nominatim_standin import NominatimStandin


def test_links_in_texts_are_built_from_the_public_address():
    links = load_settings({"CAMSHARE_PUBLIC_BASE_URL": "https://cams.example.org/"}).links
    assert links.owner_answer("T0K") == "https://cams.example.org/r/T0K"
    assert links.reconsent("T0K") == "https://cams.example.org/a/T0K"
    assert links.reconfirm("T0K") == "https://cams.example.org/c/T0K"
    assert links.request_board(42) == "https://cams.example.org/staff/requests/42"


def test_the_transparency_figures_are_cached_once_per_process():
    assert runtime.transparency_figures() is runtime.transparency_figures()


def test_the_geocoders_turns_are_booked_in_the_configured_database(
    database_url, factory, monkeypatch
):
    with NominatimStandin(places={}) as standin:
        configured = load_settings(
            {
                "CAMSHARE_DATABASE_URL": database_url,
                "CAMSHARE_GEOCODER": "nominatim",
                "CAMSHARE_GEOCODER_DOMAIN": standin.domain,
                "CAMSHARE_GEOCODER_SCHEME": "http",
                "CAMSHARE_GEOCODER_MIN_DELAY": "0.01",
            }
        )
        monkeypatch.setattr(runtime, "get_settings", lambda: configured)
        runtime.geocoder.cache_clear()
        try:
            assert runtime.geocoder().geocode("1 Nowhere Lane, Atlantis, TX 99999") is None
        finally:
            runtime.geocoder.cache_clear()
    with factory() as session:
        slot = session.scalar(select(ThrottleSlot).where(ThrottleSlot.name == "geocoder"))
    assert slot is not None

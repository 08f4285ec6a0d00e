"""The worker as its own process: it sends what the web app queued."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from camshare.models import OutboxMessage, Owner, Site
from camshare.services.messaging.outbox import enqueue_sms
from tests.support.nominatim_standin import KnownPlace, NominatimStandin

ROOT = Path(__file__).resolve().parents[2]


def run_worker_once(database_url: str, **settings: str) -> None:
    """``python -m camshare.worker --once`` on the test database, with these settings."""
    env = {
        **os.environ,
        "CAMSHARE_DATABASE_URL": database_url,
        "CAMSHARE_SMS_BACKEND": "outbox",
        "CAMSHARE_GEOCODER_SCHEME": "http",
        **settings,
    }
    subprocess.run(
        [sys.executable, "-m", "camshare.worker", "--once"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )


def test_python_m_camshare_worker_sends_the_queued_messages(database_url, factory):
    with factory() as session, session.begin():
        enqueue_sms(session, "+12145550142", "first", "test", "en")
        enqueue_sms(session, "+12145550143", "second", "test", "es")
    # Nothing listens on port 9: the geocoder is never needed here.
    run_worker_once(database_url, CAMSHARE_GEOCODER_DOMAIN="127.0.0.1:9")
    with factory() as session:
        messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [(m.body, m.status) for m in messages] == [("first", "sent"), ("second", "sent")]
    assert all(m.provider_sid for m in messages)


def test_the_worker_checks_addresses_saved_while_the_geocoder_was_down(database_url, factory):
    with factory() as session, session.begin():
        owner = Owner(phone_e164="+12145550142", full_name="Ana")
        session.add(owner)
        session.flush()
        session.add(
            Site(
                owner_id=owner.id,
                address_line="1500 Marilla St",
                city="Dallas",
                state="TX",
                zip_code="75201",
                address_key="1500 marilla st 75201",
                lat=32.79,
                lon=-96.80,
                location_source="resident_pin",
                geocode_status="unavailable",
            )
        )
    place = KnownPlace(32.7767, -96.7970, "1500 Marilla St, Dallas", {"postcode": "75201"})
    with NominatimStandin(places={"1500 Marilla St, Dallas, TX 75201": place}) as geocoder:
        # Spaced through the shared database row, as in production.
        run_worker_once(
            database_url,
            CAMSHARE_GEOCODER_DOMAIN=geocoder.domain,
            CAMSHARE_GEOCODER_MIN_DELAY="0.05",
        )
    with factory() as session:
        site = session.scalars(select(Site)).one()
        assert site.geocode_status == "ok"
        assert site.lat == 32.79  # the resident's pin is kept

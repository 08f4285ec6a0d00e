"""Creating a request that fans out to 1,000 owners: the request, its recipients and one
outbox SMS each, committed in one transaction.

Run from the project root:

    source scripts/env.sh && python bench/fanout.py [--owners 1000] [--runs 7]
        [--databases sqlite,postgresql] [--postgres-url URL]

Each database is fresh (SQLite in a temporary file; PostgreSQL a temporary database on the
server of ``--postgres-url``, dropped at the end, skipped with the reason printed when the
server does not answer) and holds ``--owners`` registered owners within 400 m of the
incident, one site each. A run is ``create_request`` for all of them by a police officer
with supervisor approval switched off (so the request is sent at once), then the commit:
what an officer waits for after pressing "Send". Prints the median and the slowest run;
the target is 1 s for 1,000 owners.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from camshare import migrations
from camshare.db import make_engine
from camshare.models import (
    AgreementVersion,
    Camera,
    Consent,
    Owner,
    Site,
    StaffUser,
    utcnow,
)
from camshare.services.access.guardrails import RequestDraft
from camshare.services.access.requests import create_request
from camshare.services.may_be_asked import refresh_may_be_asked
from camshare.services.permissions import Actor
from camshare.settings import load_settings

INCIDENT = (32.7767, -96.7970)
TARGET_S = 1.0


def populate(url: str, owners: int) -> Actor:
    """Owners spread within 400 m of the incident; returns the officer who will ask."""
    engine = make_engine(url)
    rng = random.Random(7)
    now = utcnow()
    with Session(engine) as session, session.begin():
        version = AgreementVersion(
            version="bench", language="en", title="t", summary="s", body="b", text_sha256="0" * 64
        )
        officer = StaffUser(
            username="bench",
            display_name="Bench",
            role="police",
            password_hash="-",  # noqa: S106 - no sign-in here: the officer acts directly
        )
        session.add_all([version, officer])
        session.flush()
        owner_ids: list[int] = []
        for n in range(owners):
            owner = Owner(
                phone_e164=f"+1214{n:07d}",
                full_name=f"Owner {n}",
                language="es" if n % 3 == 0 else "en",
                phone_verified_at=now,
            )
            distance, bearing = 390 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi)
            lat = INCIDENT[0] + distance * math.cos(bearing) / 111_320
            lon = INCIDENT[1] + distance * math.sin(bearing) / (
                111_320 * math.cos(math.radians(lat))
            )
            owner.sites = [
                Site(
                    address_line=f"{n} Main St",
                    address_key=f"{n}",
                    lat=lat,
                    lon=lon,
                    zip_code="75201",
                    location_source="geocoder",
                    geocode_status="ok",
                    cameras=[
                        Camera(
                            camera_kind="doorbell",
                            count=1,
                            faces="street",
                            recording="motion",
                            retention_days=30,
                        )
                    ],
                )
            ]
            session.add(owner)
            session.flush()
            session.add(
                Consent(
                    owner_id=owner.id,
                    agreement_version_id=version.id,
                    text_sha256="0" * 64,
                    language=owner.language,
                    typed_name=owner.full_name,
                    accepted_at=now,
                )
            )
            owner_ids.append(owner.id)
        # As sign-up completion does: the sites go into the search's index (migration 0012).
        session.flush()
        refresh_may_be_asked(session, owner_ids)
        actor = Actor(officer.id, officer.username, "police", "127.0.0.1")
    engine.dispose()
    return actor


def measure(url: str, owners: int, runs: int) -> list[float]:
    """Seconds per run: create_request for every owner, committed."""
    actor = populate(url, owners)
    settings = replace(
        load_settings({"CAMSHARE_SECRET_KEY": "bench"}), request_needs_approval=False
    )
    engine = make_engine(url)
    times = []
    for _ in range(runs):
        now = utcnow()
        draft = RequestDraft(
            case_number="24-000001",
            incident_type="robbery",
            lat=INCIDENT[0],
            lon=INCIDENT[1],
            window_start=now - timedelta(hours=2),
            window_end=now - timedelta(hours=1),
            radius_m=400,
            message="",
            block="1500 Marilla St",
            message_template="footage",
        )
        started = time.perf_counter()
        with Session(engine, expire_on_commit=False) as session, session.begin():
            created = create_request(session, actor, draft, set(), settings, now)
        times.append(time.perf_counter() - started)
        assert created.recipients == owners, created
    engine.dispose()
    return times


def postgres_database(server_url: str) -> tuple[str, callable] | None:
    """A temporary database on ``server_url`` and how to drop it; None if unreachable."""
    try:
        admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
        name = f"camshare_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        print(f"PostgreSQL skipped: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
        return None

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(server_url).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    """Parse the arguments, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--owners", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    rows = []
    for database in args.databases.split(","):
        if database == "sqlite":
            folder = tempfile.mkdtemp(prefix="camshare-fanout-")
            url, drop = f"sqlite:///{folder}/bench.db", None
        else:
            made = postgres_database(args.postgres_url)
            if made is None:
                continue
            url, drop = made
        try:
            migrations.upgrade(url)
            times = measure(url, args.owners, args.runs)
        finally:
            if drop:
                drop()
        rows.append((database, statistics.median(times), max(times)))
    print(f"\nFan-out of one request to {args.owners} owners")
    print("(request, recipients and one outbox SMS each, committed in one transaction)")
    print(f"{'database':<12}{'median':>10}{'slowest':>10}   target <= {TARGET_S:.1f} s")
    for database, median, slowest in rows:
        verdict = "met" if median <= TARGET_S and slowest <= TARGET_S else "MISSED"
        print(f"{database:<12}{median:>9.3f}s{slowest:>9.3f}s   {verdict}")


if __name__ == "__main__":
    main()

"""Rows for access-request tests: registered owners at chosen points, staff members."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from camshare.models import AgreementVersion, Camera, Consent, Owner, Site, StaffUser
from camshare.services.access import requests
from camshare.services.access.guardrails import RequestDraft
from camshare.services.may_be_asked import refresh_may_be_asked
from camshare.services.permissions import Actor

INCIDENT = (32.7767, -96.7970)
NOW = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
_numbers = itertools.count(1000)


def point_at(distance_m: float, bearing_deg: float = 90.0, origin=INCIDENT) -> tuple[float, float]:
    """The point ``distance_m`` from ``origin`` on ``bearing_deg`` (great circle)."""
    radius = 6_371_008.8
    lat1, lon1 = math.radians(origin[0]), math.radians(origin[1])
    bearing, angular = math.radians(bearing_deg), distance_m / radius
    lat2 = math.asin(
        math.sin(lat1) * math.cos(angular) + math.cos(lat1) * math.sin(angular) * math.cos(bearing)
    )
    lon2 = lon1 + math.atan2(
        math.sin(bearing) * math.sin(angular) * math.cos(lat1),
        math.cos(angular) - math.sin(lat1) * math.sin(lat2),
    )
    return math.degrees(lat2), math.degrees(lon2)


def agreement(session: Session) -> AgreementVersion:
    """A published agreement version to consent to."""
    version = AgreementVersion(
        version="test",
        language="en",
        title="t",
        summary="s",
        body="b",
        text_sha256="0" * 64,
        published_at=NOW,
    )
    session.add(version)
    session.flush()
    return version


def registered_owner(
    session: Session,
    *points: tuple[float, float],
    language: str = "en",
    name: str = "Ana Example",
    zip_code: str | None = "75201",
    consent_to: AgreementVersion | None = None,
    **owner_fields,
) -> Owner:
    """A verified owner who consented (to ``consent_to``, by default the version in force),
    with one site (two cameras) at each point."""
    number = next(_numbers)
    owner = Owner(
        phone_e164=f"+1214555{number:04d}",
        full_name=name,
        language=language,
        phone_verified_at=NOW - timedelta(days=1),
        **owner_fields,
    )
    session.add(owner)
    session.flush()
    # The version in force (the newest): the consent is current, the site askable.
    version = (
        consent_to
        or session.query(AgreementVersion)
        .order_by(AgreementVersion.published_at.desc(), AgreementVersion.id.desc())
        .first()
        or agreement(session)
    )
    session.add(
        Consent(
            owner_id=owner.id,
            agreement_version_id=version.id,
            text_sha256=version.text_sha256,
            language=language,
            typed_name=name,
            accepted_at=NOW - timedelta(days=1),
        )
    )
    for index, (lat, lon) in enumerate(points):
        site = Site(
            owner_id=owner.id,
            address_line=f"{1500 + index} Marilla St",
            address_key=f"{number}-{index}",
            zip_code=zip_code,
            lat=lat,
            lon=lon,
            location_source="geocoder",
            geocode_status="ok",
        )
        site.cameras = [
            Camera(
                camera_kind="doorbell",
                count=1,
                faces="street",
                recording="motion",
                retention_days=30,
            ),
            Camera(
                camera_kind="exterior",
                count=2,
                faces="parking_lot",
                recording="continuous",
                retention_days=14,
            ),
        ]
        session.add(site)
    refresh_may_be_asked(session, [owner.id])
    return owner


def staff(session: Session, role: str, *, phone_e164: str | None = None) -> Actor:
    """A staff member of ``role`` (no password: these tests start signed in)."""
    number = next(_numbers)
    user = StaffUser(
        username=f"{role}{number}",
        display_name=f"{role.title()} {number}",
        role=role,
        password_hash="-",
        phone_e164=phone_e164,
    )
    session.add(user)
    session.flush()
    return Actor(user.id, user.username, role, "127.0.0.9")


def draft(**overrides) -> RequestDraft:
    """A valid request: a robbery at the incident point, the last two hours, 150 m."""
    values = {
        "case_number": "24-118842",
        "incident_type": "robbery",
        "lat": INCIDENT[0],
        "lon": INCIDENT[1],
        "window_start": NOW - timedelta(hours=2),
        "window_end": NOW - timedelta(minutes=30),
        "radius_m": 150,
        "message": "",
        "message_template": "vehicle",
        "message_blanks": (("colour", "white"), ("vehicle", "pickup")),
        "address_text": "1523 Marilla St",
        "block": "1500 Marilla St",
        "zip_code": "75201",
    }
    values.update(overrides)
    return RequestDraft(**values)


def sent_request(
    session, settings, police, supervisor, at: datetime, incident_type="robbery", **kw
):
    """A request created and sent (approved, unless an emergency) at ``at``; its id."""
    when = {"window_start": at - timedelta(hours=2), "window_end": at - timedelta(minutes=30)}
    created = requests.create_request(
        session, police, draft(incident_type=incident_type, **when, **kw), set(), settings, at
    )
    if created.status == "awaiting_approval":
        requests.approve_request(session, supervisor, created.request_id, settings, at)
    return created.request_id

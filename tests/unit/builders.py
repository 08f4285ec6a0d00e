"""Builders for the sign-up use-case tests: valid data, and a walk to any step of a draft.

Times are explicit: ``clock()`` gives one "now" per test and each use case is called with
``now=`` offsets from it. Steps that do not take ``now`` compare a draft's expiry with the
real clock, so drafts are opened at (about) the real time and expire a day later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import OutboxMessage, PhoneVerification, RegistrationDraft, utcnow
from camshare.services import registration
from camshare.services.agreements import texts as agreements
from camshare.services.geography.addresses import TypedAddress
from camshare.services.geography.geocoding import Place
from camshare.services.geography.jurisdiction import Jurisdiction, load_jurisdiction
from camshare.services.registration import completion, verification
from camshare.services.tokens import token_hash
from camshare.settings import Settings
from tests.support.fakes import FakeGeocoder

# The order of the steps a walk goes through; "verified" is "verify" with the code entered.
WALK_STEPS = ("contact", "location", "pin", "cameras", "agreement", "verify", "verified", "done")

NAME = "Ana María López"
PHONE = "(214) 748-3647"
PHONE_E164 = "+12147483647"
IP = "203.0.113.7"
USER_AGENT = "Mozilla/5.0 (Linux; Android 14) Mobile"


def typed_address(values: dict[str, str]) -> TypedAddress:
    """An ``address`` dict (its ``street`` is the address line) as an address form sends it."""
    values = dict(values)
    return TypedAddress(address_line=values.pop("street", ""), **values)


def address(street: str, city: str, zip_code: str) -> dict[str, str]:
    """A Texas address as the location step takes it."""
    return {"street": street, "unit": "", "city": city, "state": "TX", "zip_code": zip_code}


MARILLA = address("1500 Marilla St", "Dallas", "75201")
MARILLA_POINT = (32.7767, -96.7970)
VICTORY = address("2400 Victory Ave", "Dallas", "75219")
VICTORY_POINT = (32.7905, -96.8103)
FORT_WORTH = address("1000 Throckmorton St", "Fort Worth", "76102")
FORT_WORTH_POINT = (32.7555, -97.3308)
AUSTIN = address("1100 Congress Ave", "Austin", "78701")
AUSTIN_POINT = (30.2747, -97.7404)
# Unknown to the geocoder, but in a Dallas ZIP code.
UNKNOWN_DALLAS = address("9999 Nowhere Ln", "Dallas", "75201")
ZIP_75201_CENTROID = (32.7904, -96.8044)

CODE_RE = re.compile(r"\b(\d{6})\b")


def clock() -> datetime:
    """The test's "now": the real time, to the second (timezone-aware)."""
    return utcnow().replace(microsecond=0)


def query(address: dict[str, str]) -> str:
    """The one-line query ``locate_address`` sends for ``address``."""
    return (
        f"{address['street']}, {address['city']}, {address['state']} {address['zip_code']}"
    ).strip()


def dallas_geocoder() -> FakeGeocoder:
    """A geocoder that knows two Dallas addresses, one in Fort Worth and one in Austin."""
    geocoder = FakeGeocoder()
    known = [
        (MARILLA, MARILLA_POINT, "Marilla Street"),
        (VICTORY, VICTORY_POINT, "Victory Avenue"),
        (FORT_WORTH, FORT_WORTH_POINT, "Throckmorton Street"),
        (AUSTIN, AUSTIN_POINT, "Congress Avenue"),
    ]
    for address, (lat, lon), street in known:
        geocoder.add(
            query(address),
            Place(
                lat=lat,
                lon=lon,
                display_name=query(address),
                house_number=address["street"].split()[0],
                street=street,
                city=address["city"],
                state="Texas",
                zip_code=address["zip_code"],
            ),
        )
    return geocoder


def dallas(settings: Settings) -> Jurisdiction:
    """The jurisdiction the settings name (Dallas)."""
    return load_jurisdiction(settings.jurisdiction_file)


def contact(**overrides: str) -> dict[str, str]:
    """Valid contact-step arguments for ``save_contact``."""
    values = {
        "full_name": NAME,
        "phone": PHONE,
        "email": "ana@example.com",
        "owner_kind": "resident",
        "business_name": "",
    }
    values.update(overrides)
    return values


def camera_row(**overrides: Any) -> dict[str, Any]:
    """One valid camera row, with strings as the form sends them."""
    row: dict[str, Any] = {
        "camera_kind": "doorbell",
        "count": "1",
        "faces": "street",
        "direction": "N",
        "recording": "motion",
        "retention_days": "30",
    }
    row.update(overrides)
    return row


def two_camera_rows() -> list[dict[str, Any]]:
    """A doorbell and two outdoor cameras facing the alley."""
    return [
        camera_row(),
        camera_row(
            camera_kind="exterior",
            count="2",
            faces="alley",
            direction="sw",
            recording="continuous",
            retention_days="14",
        ),
    ]


def draft_row(session: Session, key: str) -> RegistrationDraft:
    """The stored draft under ``key`` (whatever its state)."""
    return session.scalar(
        select(RegistrationDraft).where(RegistrationDraft.key_sha256 == token_hash(key))
    )


def sent_codes(session: Session, phone_e164: str = PHONE_E164) -> list[OutboxMessage]:
    """The verification-code messages queued for a phone, oldest first."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.to_e164 == phone_e164,
                OutboxMessage.purpose == "verification_code",
            )
            .order_by(OutboxMessage.id)
        )
    )


def last_code(session: Session, phone_e164: str = PHONE_E164) -> str:
    """The code in the newest verification SMS queued for a phone."""
    session.flush()
    messages = sent_codes(session, phone_e164)
    assert messages, f"no verification code was queued for {phone_e164}"
    match = CODE_RE.search(messages[-1].body)
    assert match, messages[-1].body
    return match.group(1)


def wrong_code(code: str) -> str:
    """A six-digit code that is not ``code``."""
    return f"{(int(code) + 1) % 1_000_000:06d}"


def verification_rows(session: Session, draft_id: int) -> list[PhoneVerification]:
    """The codes sent for a draft."""
    return list(
        session.scalars(select(PhoneVerification).where(PhoneVerification.draft_id == draft_id))
    )


@dataclass
class Walk:
    """A draft walked to some step, and what it took to get there."""

    key: str
    now: datetime
    geocoder: FakeGeocoder
    jurisdiction: Jurisdiction
    agreement: agreements.AgreementText | None = None
    phone_e164: str = PHONE_E164
    confirmation: completion.Confirmation | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def publish(session: Session, language: str = "en") -> agreements.AgreementText:
    """Publish the bundled agreements; the one in ``language``."""
    published = agreements.publish_bundled(session)
    return next(a for a in published if a.language == language)


def locate(session: Session, settings: Settings, walk: Walk, address=None, **overrides):
    """Put the walk's location at ``address`` (Marilla St by default), as the page would."""
    return registration.locate_address(
        session,
        walk.key,
        walk.geocoder,
        walk.jurisdiction,
        typed_address({**(address or MARILLA), **overrides}),
        map_center=settings.map_center_point,
    )


def walk_to(
    session: Session,
    settings: Settings,
    step: str,
    *,
    now: datetime | None = None,
    key: str | None = None,
    language: str = "en",
    campaign_code: str | None = None,
    geocoder: FakeGeocoder | None = None,
    address: dict[str, str] | None = None,
    cameras: list[dict[str, Any]] | None = None,
    ip_address: str = IP,
    **contact_overrides: str,
) -> Walk:
    """Open a draft (or continue the one under ``key``) and fill it with valid data.

    ``step`` is one of WALK_STEPS: the draft is left *at* that step, ready for it. A
    continued draft goes on from the step it is at. Codes are sent at ``now`` and entered
    a minute later; the registration completes at ``now`` + 2 minutes.
    """
    assert step in WALK_STEPS, step
    now = now or clock()
    geocoder = geocoder or dallas_geocoder()
    area = dallas(settings)
    address = address or MARILLA
    if key is None:
        key = registration.open_draft(session, None, campaign_code, language, now=now).key
    draft = draft_row(session, key)
    current = draft.step
    if current == "verify" and draft.data.get("phone_verified"):
        current = "verified"
    walk = Walk(key, now, geocoder, area, phone_e164=PHONE_E164)
    details = contact(**contact_overrides)

    def save_contact() -> None:
        snapshot = registration.save_contact(session, key, **details, now=now)
        walk.phone_e164 = snapshot.data["contact"]["phone_e164"]

    def place() -> None:
        locate(session, settings, walk, address)

    def confirm() -> None:
        site = draft_row(session, key).data["site"]
        registration.confirm_pin(session, key, area, site["lat"], site["lon"])

    def save_cameras() -> None:
        registration.save_cameras(session, key, cameras or two_camera_rows())

    def accept() -> None:
        walk.agreement = publish(session, language)
        registration.accept_agreement(
            session,
            key,
            walk.agreement.id,
            True,
            draft_row(session, key).data["contact"]["full_name"],
            ip_address,
            USER_AGENT,
            now=now,
        )

    def verify() -> None:
        phone = draft_row(session, key).data["contact"]["phone_e164"]
        walk.phone_e164 = phone
        verification.send_code(session, key, settings, ip_address, now=now)
        check = verification.check_code(
            session, key, last_code(session, phone), settings, now=now + timedelta(minutes=1)
        )
        assert check.ok, check

    def complete() -> None:
        walk.confirmation = completion.complete_registration(
            session, key, settings, now=now + timedelta(minutes=2)
        )

    # Each action moves the draft from WALK_STEPS[i] to WALK_STEPS[i + 1].
    actions = [save_contact, place, confirm, save_cameras, accept, verify, complete]
    for action in actions[WALK_STEPS.index(current) : WALK_STEPS.index(step)]:
        action()
    session.flush()
    return walk

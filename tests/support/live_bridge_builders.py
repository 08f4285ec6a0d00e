"""Rows for the bridge's tests: an owner asked by an open request, a paired bridge, a share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AccessRecipient, LiveCamera, LiveShare
from camshare.services.live import devices, shares
from camshare.services.tokens import token_hash
from tests.support.access_builders import NOW, point_at, registered_owner, sent_request, staff

# One MPEG-TS packet of a null stream, as many times as a short segment holds.
TS_SEGMENT = (b"\x47\x1f\xff\x10" + b"\xff" * 184) * 20


@dataclass(frozen=True)
class Site:
    owner_id: int
    request_id: int
    recipient_id: int
    camera_ids: list[int]


def asked_owner(session: Session, settings) -> Site:
    """An owner 50 m from an incident, asked by an open request (and approving)."""
    owner = registered_owner(session, point_at(50))
    police, supervisor = staff(session, "police"), staff(session, "supervisor")
    request_id = sent_request(session, settings, police, supervisor, NOW)
    recipient = session.scalar(
        select(AccessRecipient).where(
            AccessRecipient.request_id == request_id, AccessRecipient.owner_id == owner.id
        )
    )
    recipient.answer, recipient.answered_at, recipient.answered_via = "approved", NOW, "link"
    cameras = [c.id for site in owner.sites for c in site.cameras]
    session.flush()
    return Site(owner.id, request_id, recipient.id, cameras)


def paired(session: Session, owner_id: int, at: datetime) -> devices.PairedDevice:
    """A bridge paired the way a real one is: a code issued on /my, then typed in."""
    code = devices.issue_pairing_code(session, owner_id, at)
    return devices.pair_device(session, code.code, "Garage bridge", at)


def live_camera(session: Session, device_id: int, camera_id: int, at: datetime) -> int:
    """A ready camera reported by the bridge ``device_id``; its live camera id."""
    row = LiveCamera(
        device_id=device_id,
        camera_id=camera_id,
        name="Front door",
        codec="h264",
        width=640,
        height=360,
        status="ready",
        checked_at=at,
    )
    session.add(row)
    session.flush()
    return row.id


def share(
    session: Session,
    settings,
    site: Site,
    live_camera_id: int,
    starts_at: datetime,
    minutes: int = 60,
) -> tuple[int, str]:
    """A share of one camera for the site's request; its id and plain push secret."""
    row = LiveShare(
        request_id=site.request_id,
        recipient_id=site.recipient_id,
        owner_id=site.owner_id,
        live_camera_id=live_camera_id,
        basis="asked",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        push_secret_sha256=token_hash(f"placeholder-{live_camera_id}-{starts_at}"),
        created_at=starts_at,
    )
    session.add(row)
    session.flush()
    secret = shares.push_secret(settings.secret_key, row.id)
    row.push_secret_sha256 = token_hash(secret)
    session.flush()
    return row.id, secret


__all__ = ["NOW", "TS_SEGMENT", "Site", "asked_owner", "live_camera", "paired", "share"]

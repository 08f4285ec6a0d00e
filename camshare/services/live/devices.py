"""Bridges at owners' sites: pairing by a one-time code, the device's secret, its cameras.

A pairing code is shown once on /my; it works once, for ``PAIRING_MINUTES``, and a new one
voids the owner's older unused ones. Pairing gives the bridge its device secret, shown
once; only hashes are stored. What a bridge reports of a camera is its owner's name for
it, the registered camera it belongs to, codec, resolution and status: never an RTSP
address, user name or password (the protocol has no field for them).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from camshare.models import (
    Camera,
    LiveCamera,
    LiveDevice,
    LivePairingCode,
    Site,
)
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.live import shares
from camshare.services.outreach.campaigns import CODE_ALPHABET
from camshare.services.throttle import due
from camshare.services.tokens import new_token, token_hash
from camshare.settings import Settings
from camshare.vocabulary import LIVE_CAMERA_STATUSES
from camshare_bridge.protocol import CameraReport, RegisteredCamera

PAIRING_MINUTES = 15
CODE_LENGTH = 8
NAME_LENGTH = 80
# A bridge calls every few seconds; its last-seen time is written at most this often.
SEEN_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class PairingCode:
    """A code to type into the bridge, shown once (``XXXX-XXXX``), and when it stops working."""

    code: str
    expires_at: datetime


@dataclass(frozen=True)
class PairedDevice:
    """A newly paired bridge and its secret (shown to the bridge once, never stored)."""

    device_id: int
    owner_id: int
    device_secret: str


@dataclass(frozen=True)
class DeviceIdentity:
    """The bridge an authenticated call comes from."""

    device_id: int
    owner_id: int


@dataclass(frozen=True)
class LiveCameraView:
    """A camera a bridge reported, as /my shows it."""

    live_camera_id: int
    camera_id: int
    name: str
    codec: str | None
    width: int | None
    height: int | None
    status: str
    checked_at: datetime | None


@dataclass(frozen=True)
class DeviceView:
    """One of the owner's bridges with its cameras, for /my."""

    device_id: int
    name: str
    paired_at: datetime
    last_seen_at: datetime | None
    cameras: tuple[LiveCameraView, ...]


def normalised_code(code: str) -> str:
    """The code as stored: capitals, without the dash or spaces people type."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


def issue_pairing_code(session: Session, owner_id: int, now: datetime) -> PairingCode:
    """A fresh pairing code for ``owner_id``; their older unused codes stop working."""
    session.execute(
        update(LivePairingCode)
        .where(
            LivePairingCode.owner_id == owner_id,
            LivePairingCode.used_at.is_(None),
            LivePairingCode.expires_at > now,
        )
        .values(expires_at=now)
    )
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    expires_at = now + timedelta(minutes=PAIRING_MINUTES)
    session.add(
        LivePairingCode(
            owner_id=owner_id, code_sha256=token_hash(code), created_at=now, expires_at=expires_at
        )
    )
    audit.record(
        session, f"owner:{owner_id}", "live_device.code_issued", f"owner:{owner_id}", at=now
    )
    return PairingCode(f"{code[:4]}-{code[4:]}", expires_at)


def pair_device(session: Session, code: str, name: str, now: datetime) -> PairedDevice:
    """Pair a bridge with the owner whose code this is: the code works once, until it expires."""
    name = " ".join((name or "").split())[:NAME_LENGTH] or "Bridge"
    digest = token_hash(normalised_code(code))
    pairing = session.scalar(select(LivePairingCode).where(LivePairingCode.code_sha256 == digest))
    if pairing is None or pairing.used_at is not None or pairing.expires_at <= now:
        raise DomainError("live.pairing_code_invalid")
    secret = new_token()
    device = LiveDevice(
        owner_id=pairing.owner_id,
        name=name,
        secret_sha256=token_hash(secret),
        paired_at=now,
        last_seen_at=now,
    )
    session.add(device)
    session.flush()
    # Conditional: of two bridges racing with one code, only one finds it unused.
    claimed = session.execute(
        update(LivePairingCode)
        .where(LivePairingCode.id == pairing.id, LivePairingCode.used_at.is_(None))
        .values(used_at=now, device_id=device.id)
    ).rowcount
    if claimed != 1:
        raise DomainError("live.pairing_code_invalid")
    owner = f"owner:{pairing.owner_id}"
    audit.record(session, owner, "live_device.paired", f"live_device:{device.id}", at=now)
    return PairedDevice(device.id, pairing.owner_id, secret)


def authenticate_device(session: Session, secret: str, now: datetime) -> DeviceIdentity:
    """The bridge whose secret this is; ``live.device_unknown`` if none or revoked."""
    device = None
    if secret:
        device = session.scalar(
            select(LiveDevice).where(LiveDevice.secret_sha256 == token_hash(secret))
        )
    if device is None or device.revoked_at is not None:
        raise DomainError("live.device_unknown")
    if due(device.last_seen_at, now, SEEN_EVERY):
        device.last_seen_at = now
    return DeviceIdentity(device.id, device.owner_id)


def registered_cameras(session: Session, device: DeviceIdentity) -> list[RegisteredCamera]:
    """The owner's registered cameras, for the bridge to map each stream to one."""
    rows = session.execute(
        select(Camera.id, Site.address_line, Camera.camera_kind, Camera.faces, Camera.direction)
        .join(Site, Site.id == Camera.site_id)
        .where(Site.owner_id == device.owner_id, Site.status == "active")
        .order_by(Site.id, Camera.id)
    ).all()
    return [
        RegisteredCamera(camera_id, address, " ".join(p for p in (kind, faces, way) if p))
        for camera_id, address, kind, faces, way in rows
    ]


def _checked(report: CameraReport, owned: set[int]) -> CameraReport:
    if report.camera_id not in owned:
        raise DomainError("live.camera_unknown", camera_id=report.camera_id)
    if report.status not in LIVE_CAMERA_STATUSES:
        raise DomainError("live.report_invalid")
    dimensions = (report.width, report.height)
    if any(d is not None and not (isinstance(d, int) and 0 < d <= 16384) for d in dimensions):
        raise DomainError("live.report_invalid")
    name = " ".join(str(report.name or "").split())[:NAME_LENGTH] or "Camera"
    codec = str(report.codec)[:40] if report.codec else None
    return CameraReport(report.camera_id, name, codec, report.width, report.height, report.status)


def report_cameras(
    session: Session, device: DeviceIdentity, reports: list[CameraReport], now: datetime
) -> int:
    """Record what the bridge found of each camera; cameras it no longer reports are
    unreachable. Returns how many it reported."""
    owned = {camera.camera_id for camera in registered_cameras(session, device)}
    checked = {report.camera_id: _checked(report, owned) for report in reports}
    known = {
        row.camera_id: row
        for row in session.scalars(
            select(LiveCamera).where(LiveCamera.device_id == device.device_id)
        )
    }
    for camera_id, report in checked.items():
        row = known.get(camera_id)
        if row is None:
            row = LiveCamera(device_id=device.device_id, camera_id=camera_id)
            session.add(row)
        row.name, row.codec, row.status = report.name, report.codec, report.status
        row.width, row.height, row.checked_at = report.width, report.height, now
    for camera_id, row in known.items():
        if camera_id not in checked:
            row.status, row.checked_at = "unreachable", now
    return len(checked)


def devices_for_owner(session: Session, owner_id: int) -> list[DeviceView]:
    """The owner's bridges that are not revoked, each with its cameras, for /my."""
    devices = session.scalars(
        select(LiveDevice)
        .where(LiveDevice.owner_id == owner_id, LiveDevice.revoked_at.is_(None))
        .order_by(LiveDevice.id)
    ).all()
    cameras: dict[int, list[LiveCameraView]] = {device.id: [] for device in devices}
    rows = session.scalars(
        select(LiveCamera).where(LiveCamera.device_id.in_(cameras)).order_by(LiveCamera.id)
    )
    for row in rows:
        cameras[row.device_id].append(
            LiveCameraView(
                row.id,
                row.camera_id,
                row.name,
                row.codec,
                row.width,
                row.height,
                row.status,
                row.checked_at,
            )
        )
    return [
        DeviceView(d.id, d.name, d.paired_at, d.last_seen_at, tuple(cameras[d.id])) for d in devices
    ]


def revoke_device(
    session: Session, settings: Settings, owner_id: int, device_id: int, now: datetime
) -> bool:
    """Unpair one of the owner's bridges ("Remove this device" on /my): its secret stops
    working and its cameras' active shares end at once (the owner is texted)."""
    device = session.get(LiveDevice, device_id)
    if device is None or device.owner_id != owner_id or device.revoked_at is not None:
        return False
    device.revoked_at = now
    ended = shares.stop_for_device(session, settings, owner_id, device_id, now)
    owner = f"owner:{owner_id}"
    audit.record(
        session, owner, "live_device.revoked", f"live_device:{device_id}", at=now, shares=ended
    )
    return True

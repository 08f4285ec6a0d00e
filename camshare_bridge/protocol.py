"""What the owner-site bridge and camshare say to each other: paths, payloads, refusals.

The one module the web app and the bridge share (the bridge installs alone on a small
computer at the owner's site, so this imports nothing but the standard library). Every
call is HTTPS from the bridge outwards; the bridge opens no port.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any, Self

PREFIX = "/api/live/bridge"
PAIR = f"{PREFIX}/pair"  # POST {code, name} -> {device_secret}
CAMERAS = f"{PREFIX}/cameras"  # GET the owner's registered cameras; PUT [CameraReport]
SHARES = f"{PREFIX}/shares"  # GET ?wait=20 -> {shares: [ShareOrder]} (long poll)
# PUT the playlist and each segment of one share, with the share's push secret.
PUSH = PREFIX + "/shares/{share_id:int}/{name}"
# The longest a share poll is held open, in seconds (the bridge asks for up to this).
MAX_WAIT = 25
# What may be pushed: the playlist, MPEG-TS or fMP4 segments, an fMP4 init segment.
PLAYLIST = "index.m3u8"
SEGMENT_NAME = re.compile(r"(?:seg\d{1,12}\.(?:ts|m4s)|init\.mp4|index\.m3u8)")
# The most one segment may weigh (a few seconds of a camera's H.264 at a high bitrate).
MAX_SEGMENT_BYTES = 8 * 1024 * 1024


def push_path(share_id: int, name: str) -> str:
    """Where the bridge PUTs one file of a share's stream."""
    return f"{PREFIX}/shares/{share_id}/{name}"


def bearer(secret: str) -> dict[str, str]:
    """The header every authenticated call carries (a device's or a share's secret)."""
    return {"Authorization": f"Bearer {secret}"}


def bearer_secret(header: str | None) -> str:
    """The secret in an ``Authorization: Bearer`` header, or "" when there is none."""
    scheme, _, secret = (header or "").partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


# Refusals: the message key the server answers with, and its HTTP status. The bridge
# acts on the status: 401 means re-pair (device) or stop (share); 410 means stop at once.
REFUSALS = {
    "live.pairing_code_invalid": 400,  # unknown, used, expired or voided code
    "live.device_unknown": 401,  # no such device secret, or the device was revoked
    "live.push_forged": 401,  # no share has this push secret (or it is another share's)
    "live.share_ended": 410,  # ended, ran out, or its camera or device was revoked
    "live.share_not_started": 409,
    "live.segment_invalid": 400,  # a name outside SEGMENT_NAME, or not TS/fMP4 bytes
    "live.segment_too_large": 413,
    "live.segment_replayed": 409,  # this name was already pushed for this share
    "live.camera_unknown": 400,  # a report names a camera that is not the owner's
    "live.report_invalid": 400,
}


class _Payload:
    """JSON in and out for the dataclasses below (unknown keys ignored, for new servers)."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        names = {field.name for field in fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: value for key, value in data.items() if key in names})


@dataclass(frozen=True)
class RegisteredCamera(_Payload):
    """One of the owner's cameras as registered on camshare, for mapping a stream to it."""

    camera_id: int
    site_label: str
    description: str


@dataclass(frozen=True)
class CameraReport(_Payload):
    """What the bridge tells camshare about one camera: never its address or credentials."""

    camera_id: int
    name: str
    codec: str | None
    width: int | None
    height: int | None
    status: str  # one of "ready", "unreachable", "auth_failed", "unsupported"


@dataclass(frozen=True)
class ShareOrder(_Payload):
    """An active share the bridge must stream: where to push and with which secret."""

    share_id: int
    live_camera_id: int
    camera_id: int
    ends_at: str  # ISO 8601, UTC
    push_url: str  # the share's folder; files go to push_url + "/" + name
    push_secret: str

"""A bridge pushes one file of a share's stream: checked, then kept in the segment store.

The push secret names the share (only its hash is stored); the share must be active, its
camera's bridge not revoked and its request open. A segment must be MPEG-TS or fMP4 by its
bytes and never pushed before under that name; the playlist is rewritten to name only
files of this share, by their bare names, so a viewer's player asks camshare for nothing
else. Each refusal raises ``DomainError`` with a key of ``protocol.REFUSALS``.

Every push is checked against the database (a push after the share ended or its bridge was
removed is refused at once), but the share's ``last_segment_at`` is written at most every
``SEEN_EVERY``: with a bridge pushing a segment a second per share, a write on each push
queued every share's pushes and viewers' fetches behind SQLite's one writer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from camshare.models import AccessRequest, LiveCamera, LiveDevice, LiveShare
from camshare.services.errors import DomainError
from camshare.services.live.segments import SegmentReplayed, SegmentStore
from camshare.services.live.shares import is_active
from camshare.services.throttle import due
from camshare.services.tokens import token_hash
from camshare_bridge.protocol import MAX_SEGMENT_BYTES, PLAYLIST, SEGMENT_NAME

TS_PACKET = 188
# How many MPEG-TS packets are checked for their sync byte (enough to tell TS from noise).
TS_PACKETS_CHECKED = 16
FMP4_BOXES = (b"ftyp", b"styp", b"moof", b"moov")
PLAYLIST_BYTES = 64 * 1024
# A share's last segment time is written at most this often (the board allows for it).
SEEN_EVERY = timedelta(seconds=5)


@dataclass(frozen=True)
class Accepted:
    """What was kept: the share and the file's name."""

    share_id: int
    name: str


def looks_like_segment(name: str, data: bytes) -> bool:
    """Whether ``data`` is an MPEG-TS (``.ts``) or fragmented MP4 (``.m4s``, init) segment."""
    if name.endswith(".ts"):
        if not data or len(data) % TS_PACKET:
            return False
        packets = min(len(data) // TS_PACKET, TS_PACKETS_CHECKED)
        return all(data[i * TS_PACKET] == 0x47 for i in range(packets))
    return len(data) >= 8 and data[4:8] in FMP4_BOXES


def clean_playlist(data: bytes) -> str:
    """The playlist with each media line reduced to its bare file name; refused if it names
    anything that is not a segment of this share.

    Never with ``#EXT-X-ENDLIST``: ffmpeg writes it when its input ends, as when the camera
    goes offline, and a player that reads it stops for good; the bridge's next run goes on
    with the share. A share's end is camshare's to tell viewers (410).
    """
    if len(data) > PLAYLIST_BYTES:
        raise DomainError("live.segment_too_large")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise DomainError("live.segment_invalid") from None
    lines = text.splitlines()
    if not lines or lines[0].strip() != "#EXTM3U":
        raise DomainError("live.segment_invalid")
    cleaned = []
    for line in lines:
        line = line.strip()
        if line == "#EXT-X-ENDLIST":
            continue
        if line and not line.startswith("#"):
            line = line.split("?", 1)[0].rsplit("/", 1)[-1]
            if line == PLAYLIST or not SEGMENT_NAME.fullmatch(line):
                raise DomainError("live.segment_invalid")
        elif line.startswith("#EXT-X-MAP"):
            if 'URI="init.mp4"' not in line and not line.endswith('/init.mp4"'):
                raise DomainError("live.segment_invalid")
            line = '#EXT-X-MAP:URI="init.mp4"'
        cleaned.append(line)
    return "\n".join(cleaned) + "\n"


def _share_for(session: Session, share_id: int, push_secret: str, now: datetime) -> LiveShare:
    share = session.get(LiveShare, share_id) if push_secret else None
    if share is None or share.push_secret_sha256 != token_hash(push_secret):
        raise DomainError("live.push_forged")
    camera = session.get(LiveCamera, share.live_camera_id) if share.live_camera_id else None
    device = session.get(LiveDevice, camera.device_id) if camera else None
    request = session.get(AccessRequest, share.request_id)
    usable = device is not None and device.revoked_at is None and share.owner_id is not None
    if not (usable and request is not None and request.status == "open"):
        raise DomainError("live.share_ended")
    if not is_active(share, now):
        early = share.ended_at is None and now < share.starts_at
        raise DomainError("live.share_not_started" if early else "live.share_ended")
    return share


def accept_segment(
    session: Session,
    store: SegmentStore,
    share_id: int,
    push_secret: str,
    name: str,
    data: bytes,
    now: datetime,
) -> Accepted:
    """Keep one pushed file of share ``share_id`` (a segment or the playlist), or refuse it.

    A push to an ended share also drops what the store still holds of it.
    """
    try:
        share = _share_for(session, share_id, push_secret, now)
    except DomainError as refusal:
        if refusal.key == "live.share_ended":
            store.drop(share_id)
        raise
    if not SEGMENT_NAME.fullmatch(name or ""):
        raise DomainError("live.segment_invalid")
    if name == PLAYLIST:
        store.put_playlist(share.id, clean_playlist(data))
        return Accepted(share.id, name)
    if len(data) > MAX_SEGMENT_BYTES:
        raise DomainError("live.segment_too_large")
    if not looks_like_segment(name, data):
        raise DomainError("live.segment_invalid")
    try:
        store.put(share.id, name, data)
    except SegmentReplayed:
        raise DomainError("live.segment_replayed") from None
    if due(share.last_segment_at, now, SEEN_EVERY):
        share.last_segment_at = now
    return Accepted(share.id, name)

"""What the pages show of live shares: the board's tiles, the owner's list on /my.

Both read the minutes watched from ``viewing.watchers_by_share`` (the one place they are
worked out); the owner sees who watched by role, never by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AccessRequest, LiveCamera, LiveShare
from camshare.services.access.answers import recipient_for_link
from camshare.services.live import push
from camshare.services.live.shares import ShareableCamera, is_active, shareable_cameras
from camshare.services.live.viewing import Watcher, may_watch, minutes, watchers_by_share
from camshare.services.permissions import Actor, may

# A running share with no segment for this long shows "camera offline": 6 s without one
# (a segment lasts one key-frame interval, 1 to 4 s) beyond the lag of its last segment
# time, which is written at most every ``push.SEEN_EVERY``.
OFFLINE_AFTER = push.SEEN_EVERY + timedelta(seconds=6)


@dataclass(frozen=True)
class LiveTile:
    """One shared camera on the request's board."""

    share_id: int
    camera_name: str
    active: bool
    offline: bool
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    ended_by: str | None
    minutes_watched: int
    may_end: bool


@dataclass(frozen=True)
class OwnerShare:
    """One of the owner's live shares, as /my lists it."""

    share_id: int
    request_id: int
    case_number: str
    incident_type: str
    camera_name: str
    basis: str
    starts_at: datetime
    ends_at: datetime
    ended_at: datetime | None
    ended_by: str | None
    active: bool
    # (role, whole minutes), one per staff member who watched.
    watchers: tuple[tuple[str, int], ...]


def board_tiles(
    session: Session, actor: Actor | None, request_id: int, now: datetime
) -> list[LiveTile]:
    """The request's live shares for the board; nothing for one who may not watch them."""
    request = session.get(AccessRequest, request_id)
    if request is None or not may_watch(session, actor, request):
        return []
    rows = session.execute(
        select(LiveShare, LiveCamera.name)
        .outerjoin(LiveCamera, LiveCamera.id == LiveShare.live_camera_id)
        .where(LiveShare.request_id == request_id)
        .order_by(LiveShare.id)
    ).all()
    watched = watchers_by_share(session, [share.id for share, _ in rows])
    may_end = may(actor.role, "live.end")
    tiles = []
    for share, name in rows:
        active = is_active(share, now)
        last = share.last_segment_at
        tiles.append(
            LiveTile(
                share_id=share.id,
                camera_name=name or "-",
                active=active,
                offline=active and (last is None or now - last > OFFLINE_AFTER),
                starts_at=share.starts_at,
                ends_at=share.ends_at,
                ended_at=share.ended_at,
                ended_by=share.ended_by,
                minutes_watched=_total(watched.get(share.id, [])),
                may_end=may_end and active,
            )
        )
    return tiles


def owner_shares(session: Session, owner_id: int, now: datetime) -> list[OwnerShare]:
    """Every live share of the owner, newest first, with who watched and how long."""
    rows = session.execute(
        select(LiveShare, AccessRequest.case_number, AccessRequest.incident_type, LiveCamera.name)
        .join(AccessRequest, AccessRequest.id == LiveShare.request_id)
        .outerjoin(LiveCamera, LiveCamera.id == LiveShare.live_camera_id)
        .where(LiveShare.owner_id == owner_id)
        .order_by(LiveShare.starts_at.desc(), LiveShare.id.desc())
    ).all()
    watched = watchers_by_share(session, [row[0].id for row in rows])
    return [
        OwnerShare(
            share_id=share.id,
            request_id=share.request_id,
            case_number=case_number,
            incident_type=incident_type,
            camera_name=name or "-",
            basis=share.basis,
            starts_at=share.starts_at,
            ends_at=share.ended_at or share.ends_at,
            ended_at=share.ended_at,
            ended_by=share.ended_by,
            active=is_active(share, now),
            watchers=tuple((w.role, minutes(w.seconds)) for w in watched.get(share.id, [])),
        )
        for share, case_number, incident_type, name in rows
    ]


def active_for_request(session: Session, owner_id: int | None, request_id: int, now: datetime):
    """The owner's running shares for one request (the request page's "Stop sharing now")."""
    if owner_id is None:
        return []
    return [
        share
        for share in owner_shares(session, owner_id, now)
        if share.active and share.request_id == request_id
    ]


def _total(watchers: list[Watcher]) -> int:
    return minutes(sum(w.seconds for w in watchers))


@dataclass(frozen=True)
class LiveOffer:
    """What the request page offers an owner who approved: their cameras, what runs now."""

    cameras: tuple[ShareableCamera, ...]
    running: tuple[OwnerShare, ...]
    max_hours: int
    default_minutes: int


def live_offer(session: Session, settings, token: str, now: datetime) -> LiveOffer | None:
    """The live-view offer behind an answer link; None unless the owner approved."""
    recipient, request = recipient_for_link(session, token, now)
    if recipient.answer != "approved" or recipient.owner_id is None:
        return None
    return LiveOffer(
        cameras=tuple(shareable_cameras(session, recipient.owner_id)),
        running=tuple(active_for_request(session, recipient.owner_id, request.id, now)),
        max_hours=settings.live_max_hours,
        default_minutes=settings.live_default_minutes,
    )

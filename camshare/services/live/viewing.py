"""Who may watch a live share, with what credential, and how long they watched.

Watching follows the footage rule of the request (``services/footage/access.py``): its
author, supervisors and staff granted its footage; nobody else, whatever the URL. A viewer
gets a credential that works ``live_viewer_seconds`` (the open board renews it) and only
while the share runs: ``<viewing id>.<expiry>.<keyed hash>``, so nothing is stored beyond
the viewing session it belongs to. Segment fetches advance that session, written at most
every ``SEEN_EVERY`` (a player fetches every second; writing each fetch serialises SQLite),
so minutes watched, worked out here alone (``watched_seconds``, never stored), fall short
of the truth by less than that.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from camshare.models import AccessRequest, LiveShare, LiveViewing, StaffUser
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.footage.access import footage_access
from camshare.services.live.shares import is_active
from camshare.services.permissions import Actor, Forbidden, authorize
from camshare.services.throttle import due
from camshare.settings import Settings

# A viewing's last fetch is written at most this often (well under ``live_viewer_seconds``).
SEEN_EVERY = timedelta(seconds=5)


class WatchRefused(DomainError):
    """A segment or playlist fetch refused; ``status`` is the HTTP answer."""

    def __init__(self, key: str, status: int) -> None:
        super().__init__(key)
        self.status = status


@dataclass(frozen=True)
class ViewerCredential:
    """A short-lived key to one share's stream, for one staff member."""

    token: str
    share_id: int
    viewing_id: int
    expires_at: datetime


@dataclass(frozen=True)
class Watching:
    """A fetch let through: whose viewing session it advanced, of which share."""

    share_id: int
    viewing_id: int


def watched_seconds(
    started_at: datetime, last_seen_at: datetime, ended_at: datetime | None
) -> float:
    """How long one viewing session lasted: from its start to its end (or its last fetch)."""
    return max(((ended_at or last_seen_at) - started_at).total_seconds(), 0.0)


def minutes(seconds: float) -> int:
    """Whole minutes as the pages show them (a few seconds of watching count as one)."""
    return int(-(-seconds // 60))


def may_watch(session: Session, actor: Actor | None, request: AccessRequest) -> bool:
    """Whether ``actor`` may watch the request's live shares (the footage rule)."""
    if actor is None:
        return False
    try:
        authorize(actor, "live.view")
    except Forbidden:
        return False
    return footage_access(session, actor, request).level is not None


def issue_viewer_credential(
    session: Session, settings: Settings, actor: Actor | None, share_id: int, now: datetime
) -> ViewerCredential:
    """A credential to watch ``share_id`` now, continuing the actor's viewing session.

    A session whose last fetch is older than a credential's lifetime is over: a new one
    starts (and is audited "live_view.start").
    """
    share = session.get(LiveShare, share_id)
    request = session.get(AccessRequest, share.request_id) if share else None
    if share is None or request is None or not may_watch(session, actor, request):
        raise Forbidden("live.view")
    if not is_active(share, now):
        raise DomainError("live.error.not_running")
    fresh = now - timedelta(seconds=settings.live_viewer_seconds)
    viewing = session.scalar(
        select(LiveViewing)
        .where(
            LiveViewing.share_id == share.id,
            LiveViewing.staff_user_id == actor.user_id,
            LiveViewing.ended_at.is_(None),
            LiveViewing.last_seen_at >= fresh,
        )
        .order_by(LiveViewing.id.desc())
        .limit(1)
    )
    if viewing is None:
        viewing = LiveViewing(
            share_id=share.id, staff_user_id=actor.user_id, started_at=now, last_seen_at=now
        )
        session.add(viewing)
        session.flush()
        audit.record(
            session,
            actor.audit_name,
            "live_view.start",
            f"live_share:{share.id}",
            actor.ip_address,
            at=now,
            request=request.id,
            camera=share.live_camera_id,
            viewing=viewing.id,
        )
    expires_at = now + timedelta(seconds=settings.live_viewer_seconds)
    token = _token(settings.secret_key, viewing.id, expires_at)
    return ViewerCredential(token, share.id, viewing.id, expires_at)


def _signature(secret_key: str, viewing_id: int, expires: int) -> str:
    message = f"live-view:{viewing_id}:{expires}".encode()
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _token(secret_key: str, viewing_id: int, expires_at: datetime) -> str:
    expires = int(expires_at.timestamp())
    return f"{viewing_id}.{expires}.{_signature(secret_key, viewing_id, expires)}"


def check_viewer(session: Session, settings: Settings, token: str, now: datetime) -> Watching:
    """The viewing behind ``token`` if it may fetch now; records the fetch (at most every
    ``SEEN_EVERY``).

    Refused (401) when forged or expired, (410) when the share or the viewing ended: a
    copied URL stops working.
    """
    viewing_id, expires, signature = _parse(token)
    if not hmac.compare_digest(signature, _signature(settings.secret_key, viewing_id, expires)):
        raise WatchRefused("live.watch.invalid", 401)
    if now >= datetime.fromtimestamp(expires, UTC):
        raise WatchRefused("live.watch.expired", 401)
    viewing = session.get(LiveViewing, viewing_id)
    share = session.get(LiveShare, viewing.share_id) if viewing else None
    if viewing is None or share is None:
        raise WatchRefused("live.watch.invalid", 401)
    if viewing.ended_at is not None or not is_active(share, now):
        raise WatchRefused("live.watch.ended", 410)
    if due(viewing.last_seen_at, now, SEEN_EVERY):
        viewing.last_seen_at = now
    return Watching(share.id, viewing.id)


def _parse(token: str) -> tuple[int, int, str]:
    parts = (token or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[2]) != 43:
        raise WatchRefused("live.watch.invalid", 401)
    return int(parts[0]), int(parts[1]), parts[2]


def end_stale_viewings(session: Session, settings: Settings, now: datetime) -> int:
    """Close viewing sessions nobody fetched for for a credential's lifetime, or whose share
    ended; each is audited "live_view.stop" with its minutes. How many closed (worker job)."""
    stale = now - timedelta(seconds=settings.live_viewer_seconds)
    rows = session.execute(
        select(LiveViewing, LiveShare, StaffUser.username)
        .join(LiveShare, LiveShare.id == LiveViewing.share_id)
        .join(StaffUser, StaffUser.id == LiveViewing.staff_user_id)
        .where(
            LiveViewing.ended_at.is_(None),
            or_(
                LiveViewing.last_seen_at < stale,
                LiveShare.ended_at.is_not(None),
                LiveShare.ends_at <= now,
            ),
        )
    ).all()
    for viewing, share, username in rows:
        end = min(viewing.last_seen_at, share.ended_at or share.ends_at)
        viewing.ended_at = max(end, viewing.started_at)
        seconds = watched_seconds(viewing.started_at, viewing.last_seen_at, viewing.ended_at)
        audit.record(
            session,
            f"staff:{username}",
            "live_view.stop",
            f"live_share:{share.id}",
            at=now,
            request=share.request_id,
            camera=share.live_camera_id,
            viewing=viewing.id,
            started_at=viewing.started_at.isoformat(),
            ended_at=viewing.ended_at.isoformat(),
            minutes=minutes(seconds),
        )
    return len(rows)


@dataclass(frozen=True)
class Watcher:
    """Who watched a share (by role, never by name for the owner) and for how long."""

    role: str
    seconds: float


def watchers_by_share(session: Session, share_ids: list[int]) -> dict[int, list[Watcher]]:
    """Each share's viewers, one entry per staff member, their sessions summed."""
    rows = session.execute(
        select(
            LiveViewing.share_id,
            LiveViewing.staff_user_id,
            StaffUser.role,
            LiveViewing.started_at,
            LiveViewing.last_seen_at,
            LiveViewing.ended_at,
        )
        .join(StaffUser, StaffUser.id == LiveViewing.staff_user_id)
        .where(LiveViewing.share_id.in_(share_ids))
        .order_by(LiveViewing.share_id, LiveViewing.staff_user_id)
    ).all()
    totals: dict[int, dict[int, Watcher]] = {}
    for share_id, user_id, role, started, seen, ended in rows:
        per_share = totals.setdefault(share_id, {})
        before = per_share.get(user_id, Watcher(role, 0.0)).seconds
        per_share[user_id] = Watcher(role, before + watched_seconds(started, seen, ended))
    return {share_id: list(users.values()) for share_id, users in totals.items()}

"""Live shares: an owner lets police watch chosen cameras for one request, for a bounded time.

The rules, all on the server: only an owner whose answer to an open request is "approved"
may share, only their own live cameras the bridge reports ready, for at most
``live_max_hours`` and never past the request's expiry. A share is active while
``ended_at`` is NULL and ``starts_at <= now < ends_at``. It ends when the owner stops it
(page, /my or the SMS keyword) or removes its bridge on /my, a supervisor ends it, its time
runs out, its request closes or its owner withdraws; the owner gets a text when it starts
and when it ends.

The bridge pushes a share's segments with a credential derived from the secret key and the
share's id (as ``footage/links.py`` derives upload links): only its hash is stored, and the
share poll can hand the plain one to the bridge at any time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from camshare.i18n import translate
from camshare.models import (
    AccessRecipient,
    AccessRequest,
    Camera,
    LiveCamera,
    LiveDevice,
    LiveShare,
    LiveStandingConsent,
    Owner,
)
from camshare.services import audit
from camshare.services.access.answers import recipient_for_link
from camshare.services.access.request_texts import format_moment
from camshare.services.errors import DomainError
from camshare.services.messaging.outbox import enqueue_sms
from camshare.services.permissions import Actor, authorize
from camshare.settings import Settings

# The radii an owner may choose for standing consent (a request's circle is at most 400 m).
STANDING_RADII = (100, 200, 400)
STANDING_MAX_MINUTES = 60
# Standing consent applies to an emergency sent this recently (the worker looks each turn).
STANDING_APPLIES_WITHIN = timedelta(minutes=15)


@dataclass(frozen=True)
class ShareableCamera:
    """One of the owner's cameras a bridge reports, as the request page offers it."""

    live_camera_id: int
    name: str
    status: str


@dataclass(frozen=True)
class StartedShares:
    """Shares just started (or extended): their ids and when they end."""

    share_ids: tuple[int, ...]
    ends_at: datetime


@dataclass(frozen=True)
class ActiveShare:
    """A running share as its bridge sees it, with the credential to push its segments."""

    share_id: int
    live_camera_id: int
    camera_id: int
    ends_at: datetime
    push_secret: str


@dataclass(frozen=True)
class StandingConsentView:
    """An owner's standing consent in force."""

    radius_m: int
    max_minutes: int
    given_at: datetime


def push_secret(secret_key: str, share_id: int) -> str:
    """The credential a bridge pushes share ``share_id``'s segments with (the same every time)."""
    digest = hmac.new(secret_key.encode(), f"live-push:{share_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")


def push_secret_hash(secret: str) -> str:
    """What is stored of a push credential."""
    return hashlib.sha256(secret.encode()).hexdigest()


def is_active(share: LiveShare, now: datetime) -> bool:
    """Whether ``share`` is running at ``now`` (the one definition)."""
    return share.ended_at is None and share.starts_at <= now < share.ends_at


def active_clause(now: datetime):
    """``is_active`` as SQL."""
    return (
        LiveShare.ended_at.is_(None),
        LiveShare.starts_at <= now,
        LiveShare.ends_at > now,
    )


def shareable_cameras(session: Session, owner_id: int | None) -> list[ShareableCamera]:
    """Every camera the owner's bridges report (ready ones may be shared)."""
    if owner_id is None:
        return []
    rows = session.execute(
        select(LiveCamera.id, LiveCamera.name, LiveCamera.status)
        .join(LiveDevice, LiveDevice.id == LiveCamera.device_id)
        .where(LiveDevice.owner_id == owner_id, LiveDevice.revoked_at.is_(None))
        .order_by(LiveCamera.id)
    ).all()
    return [ShareableCamera(*row) for row in rows]


def start_shares(
    session: Session,
    settings: Settings,
    token: str,
    live_camera_ids: list[int],
    minutes: int | None,
    now: datetime,
    *,
    ip_address: str | None = None,
) -> StartedShares:
    """Start live view of the chosen cameras for the request behind an answer link.

    A camera already shared for this request has its end moved to the new one; a share the
    owner (or a supervisor) ended stays ended for this request.
    """
    recipient, request = recipient_for_link(session, token, now)
    if recipient.answer != "approved" or recipient.owner_id is None:
        raise DomainError("live.error.not_approved")
    minutes = settings.live_default_minutes if minutes is None else minutes
    if not 1 <= minutes <= settings.live_max_hours * 60:
        raise DomainError("live.error.too_long", field="minutes", hours=settings.live_max_hours)
    ends_at = min(now + timedelta(minutes=minutes), request.expires_at)
    cameras = _ready_cameras(session, recipient.owner_id, live_camera_ids)
    ids = _share(session, settings, request, recipient, cameras, "asked", now, ends_at)
    audit.record(
        session,
        f"owner:{recipient.owner_id}",
        "live.share_started",
        f"request:{request.id}",
        ip_address,
        at=now,
        shares=list(ids),
        minutes=minutes,
        basis="asked",
    )
    owner = session.get(Owner, recipient.owner_id)
    _text_started(session, settings, owner, request, len(ids), ends_at)
    return StartedShares(tuple(ids), ends_at)


def _ready_cameras(session: Session, owner_id: int, live_camera_ids: list[int]) -> list[int]:
    wanted = sorted(set(live_camera_ids))
    if not wanted:
        raise DomainError("live.error.choose_camera", field="cameras")
    ready = session.scalars(
        select(LiveCamera.id)
        .join(LiveDevice, LiveDevice.id == LiveCamera.device_id)
        .where(
            LiveCamera.id.in_(wanted),
            LiveCamera.status == "ready",
            LiveDevice.owner_id == owner_id,
            LiveDevice.revoked_at.is_(None),
        )
    ).all()
    if sorted(ready) != wanted:
        raise DomainError("live.error.camera_unavailable", field="cameras")
    return wanted


def _share(
    session: Session,
    settings: Settings,
    request: AccessRequest,
    recipient: AccessRecipient,
    live_camera_ids: list[int],
    basis: str,
    now: datetime,
    ends_at: datetime,
) -> list[int]:
    existing = {
        share.live_camera_id: share
        for share in session.scalars(
            select(LiveShare).where(
                LiveShare.request_id == request.id, LiveShare.live_camera_id.in_(live_camera_ids)
            )
        )
    }
    if any(share.ended_at is not None for share in existing.values()):
        raise DomainError("live.error.already_ended", field="cameras")
    ids = []
    for live_camera_id in live_camera_ids:
        share = existing.get(live_camera_id)
        if share is None:
            share = LiveShare(
                request_id=request.id,
                recipient_id=recipient.id,
                owner_id=recipient.owner_id,
                live_camera_id=live_camera_id,
                basis=basis,
                starts_at=now,
                ends_at=ends_at,
                # A placeholder until the id is known: the credential is derived from it.
                push_secret_sha256=secrets.token_hex(32),
                created_at=now,
            )
            session.add(share)
            session.flush()
            share.push_secret_sha256 = push_secret_hash(push_secret(settings.secret_key, share.id))
        else:
            share.ends_at = ends_at
        ids.append(share.id)
    return ids


def stop_all_for_owner(
    session: Session, settings: Settings, owner_id: int, now: datetime, via: str
) -> int:
    """End every active share of the owner at once ("Stop sharing now"); how many ended."""
    shares = session.scalars(
        select(LiveShare).where(LiveShare.owner_id == owner_id, *active_clause(now))
    ).all()
    for share in shares:
        share.ended_at, share.ended_by = now, "owner"
    if shares:
        audit.record(
            session,
            f"owner:{owner_id}",
            "live.share_stopped",
            f"owner:{owner_id}",
            at=now,
            shares=[s.id for s in shares],
            via=via,
        )
        _text_ended(session, settings, shares, "owner")
    return len(shares)


def stop_for_device(
    session: Session, settings: Settings, owner_id: int, device_id: int, now: datetime
) -> list[int]:
    """End the active shares of one bridge's cameras as its owner removes it; their ids.

    Ended by the owner (the record says so); one text tells them which camera views ended.
    """
    shares = session.scalars(
        select(LiveShare)
        .join(LiveCamera, LiveCamera.id == LiveShare.live_camera_id)
        .where(
            LiveCamera.device_id == device_id,
            LiveShare.owner_id == owner_id,
            *active_clause(now),
        )
        .order_by(LiveShare.id)
    ).all()
    for share in shares:
        share.ended_at, share.ended_by = now, "owner"
    _text_ended(session, settings, shares, "device_removed")
    return [share.id for share in shares]


def stop_all_by_link(session: Session, settings: Settings, token: str, now: datetime) -> int:
    """ "Stop sharing now" on the request page: every live share of that link's owner ends."""
    recipient, _request = recipient_for_link(session, token, now)
    if recipient.owner_id is None:
        return 0
    return stop_all_for_owner(session, settings, recipient.owner_id, now, "link")


def end_share_by_supervisor(
    session: Session, settings: Settings, actor: Actor, share_id: int, now: datetime
) -> None:
    """A supervisor ends one share early (it stays ended for that request)."""
    authorize(actor, "live.end")
    share = session.get(LiveShare, share_id)
    if share is None or not is_active(share, now):
        raise DomainError("live.error.not_running")
    share.ended_at, share.ended_by, share.ended_by_staff_id = now, "supervisor", actor.user_id
    audit.record(
        session,
        actor.audit_name,
        "live.share_ended",
        f"request:{share.request_id}",
        actor.ip_address,
        at=now,
        share=share.id,
    )
    _text_ended(session, settings, [share], "supervisor")


def end_expired(session: Session, settings: Settings, now: datetime) -> int:
    """End shares whose time ran out, whose request closed or whose owner withdrew.

    The worker's job, run after every outbox turn; each share ends once and its owner
    (if still registered) is told. Returns how many ended.
    """
    running = session.execute(
        select(LiveShare, AccessRequest.status)
        .join(AccessRequest, AccessRequest.id == LiveShare.request_id)
        .where(
            LiveShare.ended_at.is_(None),
            or_(
                LiveShare.ends_at <= now,
                AccessRequest.status != "open",
                LiveShare.owner_id.is_(None),
                LiveShare.live_camera_id.is_(None),
            ),
        )
    ).all()
    by_reason: dict[str, list[LiveShare]] = {}
    for share, status in running:
        if share.owner_id is None:
            reason, share.ended_at = "withdrawal", min(now, share.ends_at)
        elif status != "open":
            reason, share.ended_at = "request_closed", min(now, share.ends_at)
        else:
            # Its time ran out, or its camera went (a location removed): ended by time.
            reason, share.ended_at = "expiry", min(now, share.ends_at)
        share.ended_by = reason
        by_reason.setdefault(reason, []).append(share)
    for reason, shares in by_reason.items():
        _record_ended(session, shares, reason, now)
        if reason != "withdrawal":
            _text_ended(session, settings, shares, reason)
    return sum(len(shares) for shares in by_reason.values())


def _record_ended(session: Session, shares: list[LiveShare], reason: str, now: datetime) -> None:
    audit.record(
        session,
        "system",
        "live.share_ended",
        None,
        at=now,
        shares=[s.id for s in shares],
        reason=reason,
    )


def end_for_withdrawal(session: Session, owner_id: int, now: datetime) -> int:
    """End the owner's running shares as they withdraw; every share's record stays, without
    them or their camera.

    Unlinked here rather than by the database's SET NULL: deleting the owner reaches a share
    by two paths (owner, and owner -> device -> camera), which PostgreSQL refuses.
    """
    mine = session.scalars(select(LiveShare).where(LiveShare.owner_id == owner_id)).all()
    running = [share for share in mine if share.ended_at is None]
    for share in running:
        share.ended_at, share.ended_by = min(now, share.ends_at), "withdrawal"
    for share in mine:
        share.owner_id, share.live_camera_id = None, None
    session.flush()
    if running:
        _record_ended(session, running, "withdrawal", now)
    return len(running)


def active_shares_for_device(
    session: Session, settings: Settings, device_id: int, now: datetime
) -> list[ActiveShare]:
    """The shares the bridge ``device_id`` must push now, each with its push credential."""
    rows = session.execute(
        select(LiveShare.id, LiveCamera.id, LiveCamera.camera_id, LiveShare.ends_at)
        .join(LiveCamera, LiveCamera.id == LiveShare.live_camera_id)
        .join(AccessRequest, AccessRequest.id == LiveShare.request_id)
        .where(
            LiveCamera.device_id == device_id,
            AccessRequest.status == "open",
            LiveShare.owner_id.is_not(None),
            *active_clause(now),
        )
        .order_by(LiveShare.id)
    ).all()
    return [
        ActiveShare(
            share_id, live_id, camera_id, ends_at, push_secret(settings.secret_key, share_id)
        )
        for share_id, live_id, camera_id, ends_at in rows
    ]


# Standing consent: emergencies near the owner only, text them each time.


def give_standing_consent(
    session: Session, owner_id: int, radius_m: int, now: datetime, ip_address: str | None = None
) -> StandingConsentView:
    """Record the owner's standing consent (replacing one in force), audited like a consent."""
    if radius_m not in STANDING_RADII:
        raise DomainError("live.error.radius", field="radius")
    _withdraw(session, owner_id, now)
    session.flush()
    consent = LiveStandingConsent(
        owner_id=owner_id, radius_m=radius_m, max_minutes=STANDING_MAX_MINUTES, given_at=now
    )
    session.add(consent)
    audit.record(
        session,
        f"owner:{owner_id}",
        "live.standing_given",
        f"owner:{owner_id}",
        ip_address,
        at=now,
        radius_m=radius_m,
        max_minutes=STANDING_MAX_MINUTES,
    )
    return StandingConsentView(radius_m, STANDING_MAX_MINUTES, now)


def withdraw_standing_consent(
    session: Session, owner_id: int, now: datetime, ip_address: str | None = None
) -> None:
    """Withdraw the owner's standing consent, if any."""
    if _withdraw(session, owner_id, now):
        audit.record(
            session,
            f"owner:{owner_id}",
            "live.standing_withdrawn",
            f"owner:{owner_id}",
            ip_address,
            at=now,
        )


def _withdraw(session: Session, owner_id: int, now: datetime) -> bool:
    consent = _standing(session, owner_id)
    if consent is not None:
        consent.withdrawn_at = now
    return consent is not None


def _standing(session: Session, owner_id: int) -> LiveStandingConsent | None:
    return session.scalar(
        select(LiveStandingConsent).where(
            LiveStandingConsent.owner_id == owner_id, LiveStandingConsent.withdrawn_at.is_(None)
        )
    )


def standing_consent_for(session: Session, owner_id: int) -> StandingConsentView | None:
    """The owner's standing consent in force, or None (off, the default)."""
    consent = _standing(session, owner_id)
    if consent is None:
        return None
    return StandingConsentView(consent.radius_m, consent.max_minutes, consent.given_at)


def apply_standing_consents(session: Session, settings: Settings, now: datetime) -> int:
    """For emergencies sent in the last few minutes: share the ready cameras of owners whose
    standing consent (given before the request) covers it, their site within its radius,
    texting each; how many shares started. The worker's job, after every outbox turn.

    Never for a non-emergency incident type; once per owner and request (a share the owner
    stopped is not started again).
    """
    already = (
        select(LiveShare.id)
        .where(
            LiveShare.request_id == AccessRecipient.request_id,
            LiveShare.owner_id == AccessRecipient.owner_id,
        )
        .exists()
    )
    rows = session.execute(
        select(AccessRecipient, LiveStandingConsent, AccessRequest)
        .join(AccessRequest, AccessRequest.id == AccessRecipient.request_id)
        .join(LiveStandingConsent, LiveStandingConsent.owner_id == AccessRecipient.owner_id)
        .where(
            AccessRequest.emergency.is_(True),
            AccessRequest.status == "open",
            AccessRequest.sent_at >= now - STANDING_APPLIES_WITHIN,
            AccessRequest.expires_at > now,
            LiveStandingConsent.withdrawn_at.is_(None),
            LiveStandingConsent.given_at <= AccessRequest.sent_at,
            AccessRecipient.distance_m <= LiveStandingConsent.radius_m,
            ~already,
        )
    ).all()
    started = 0
    for recipient, consent, request in rows:
        owner = session.get(Owner, recipient.owner_id)
        if owner is None or owner.status != "active" or owner.sms_opted_out_at is not None:
            continue
        cameras = session.scalars(
            select(LiveCamera.id)
            .join(LiveDevice, LiveDevice.id == LiveCamera.device_id)
            .join(Camera, Camera.id == LiveCamera.camera_id)
            .where(
                LiveDevice.owner_id == owner.id,
                LiveDevice.revoked_at.is_(None),
                LiveCamera.status == "ready",
                Camera.site_id.in_(recipient.site_ids.get("ids", [])),
            )
            .order_by(LiveCamera.id)
        ).all()
        if not cameras:
            continue
        minutes = min(consent.max_minutes, settings.live_max_hours * 60)
        ends_at = min(now + timedelta(minutes=minutes), request.expires_at)
        ids = _share(session, settings, request, recipient, list(cameras), "standing", now, ends_at)
        audit.record(
            session,
            "system",
            "live.share_started",
            f"request:{request.id}",
            at=now,
            shares=ids,
            minutes=minutes,
            basis="standing",
            owner=owner.id,
        )
        _text_started(session, settings, owner, request, len(ids), ends_at, standing=True)
        started += len(ids)
    return started


# Texts to the owner, in their language.


def _text_started(
    session: Session,
    settings: Settings,
    owner: Owner | None,
    request: AccessRequest,
    cameras: int,
    ends_at: datetime,
    *,
    standing: bool = False,
) -> None:
    if owner is None or owner.sms_opted_out_at is not None:
        return
    key = "sms.live_started_standing" if standing else "sms.live_started"
    body = translate(
        owner.language,
        key,
        program=settings.program(owner.language),
        count=cameras,
        case=request.case_number,
        until=format_moment(ends_at, owner.language, settings),
        keyword=translate(owner.language, "live.keyword"),
    )
    enqueue_sms(session, owner.phone_e164, body, "live_started", owner.language, owner.id)


def _text_ended(session: Session, settings: Settings, shares: list[LiveShare], reason: str) -> None:
    """One text per owner and request, however many of their cameras ended together."""
    seen: set[tuple[int, int]] = set()
    for share in shares:
        # The owner stopped them themselves: one text says so, whatever the requests.
        mine = reason in ("owner", "device_removed")
        key = (share.owner_id, 0 if mine else share.request_id)
        if share.owner_id is None or key in seen:
            continue
        seen.add(key)
        owner = session.get(Owner, share.owner_id)
        request = session.get(AccessRequest, share.request_id)
        if owner is None or request is None or owner.sms_opted_out_at is not None:
            continue
        body = translate(
            owner.language,
            f"sms.live_ended_{reason}",
            program=settings.program(owner.language),
            case=request.case_number,
        )
        enqueue_sms(session, owner.phone_e164, body, "live_ended", owner.language, owner.id)

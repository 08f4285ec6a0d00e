"""Keeping the registry current: owners confirm once a year that they still have their cameras.

The rules, each counted from ``now`` (the worker passes the clock; tests pass their own):

- An owner whose last confirmation (``confirmed_at``; registering counts, else
  ``created_at``) is ``reconfirm_after_days`` old or older, and who has not been asked since,
  is asked once: ``reconfirm_requested_at`` is set and one SMS in their language carries a
  "reconfirm" link (``ask_for_reconfirmation``). An owner who texted STOP is neither texted
  nor marked: they cannot answer a text they never get, and STOP already keeps police
  requests from them.
- An owner asked ``reconfirm_grace_days`` ago or more who has not confirmed since becomes
  "unconfirmed" (``pause_unconfirmed`` through ``refresh_status``): no police request
  reaches them, and the transparency page no longer counts them.
- The link's page shows the owner's locations and cameras (``reconfirm_view``, which only
  reads the link); its button (``confirm_cameras``) uses the link once, stamps
  ``confirmed_at`` and releases the owner. The link lives twice the grace period, so an
  owner paused for their silence can still come back with one tap for a while.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from camshare.i18n import LANGUAGES, plural, translate
from camshare.models import Owner, Site, utcnow
from camshare.services import audit
from camshare.services.messaging.outbox import enqueue_sms
from camshare.services.owners.links import new_owner_link, peek_owner_link, use_owner_link
from camshare.services.owners.standing import refresh_status
from camshare.settings import Settings


@dataclass(frozen=True)
class ReconfirmLocation:
    """One registered location as its owner sees it: the address and its camera rows."""

    address_line: str
    unit: str | None
    zip_code: str | None
    # (camera_kind, count, faces, direction) per camera row, in the order registered.
    cameras: tuple[tuple[str, int, str, str | None], ...]


@dataclass(frozen=True)
class ReconfirmView:
    """What the re-confirmation page shows; opening it changes nothing."""

    language: str
    locations: tuple[ReconfirmLocation, ...]
    cameras: int


def reconfirm_link_hours(settings: Settings) -> float:
    """How long the texted link works: the grace period twice over."""
    return 2 * settings.reconfirm_grace_days * 24.0


def reconfirm_url(settings: Settings, token: str) -> str:
    """The one-tap link texted to an owner."""
    return settings.links.reconfirm(token)


def _language(owner: Owner) -> str:
    return owner.language if owner.language in LANGUAGES else "en"


def _last_confirmed():
    return func.coalesce(Owner.confirmed_at, Owner.created_at)


def _due_for_asking(settings: Settings, now: datetime):
    last = _last_confirmed()
    return (
        last <= now - timedelta(days=settings.reconfirm_after_days),
        or_(Owner.reconfirm_requested_at.is_(None), Owner.reconfirm_requested_at < last),
        Owner.sms_opted_out_at.is_(None),
        Owner.phone_verified_at.is_not(None),
    )


def _totals(session: Session, owner_id: int) -> tuple[int, int]:
    sites = session.scalars(
        select(Site)
        .where(Site.owner_id == owner_id, Site.status == "active")
        .options(selectinload(Site.cameras))
    ).all()
    return len(sites), sum(c.count for s in sites for c in s.cameras)


def _ask(session: Session, owner: Owner, settings: Settings, now: datetime) -> None:
    owner.reconfirm_requested_at = now
    token = new_owner_link(session, owner, "reconfirm", reconfirm_link_hours(settings), now)
    lang = _language(owner)
    sites, cameras = _totals(session, owner.id)

    def body(link: str) -> str:
        return translate(
            lang,
            "sms.reconfirm",
            program=settings.program(lang),
            sites=plural(lang, "sms.locations", sites),
            cameras=plural(lang, "sms.cameras", cameras),
            days=settings.reconfirm_grace_days,
            link=link,
        )

    enqueue_sms(
        session,
        owner.phone_e164,
        body(reconfirm_url(settings, token)),
        "reconfirm",
        lang,
        owner.id,
        redacted_body=body(reconfirm_url(settings, "…")),
    )
    audit.record(session, "system", "owner.reconfirm_asked", f"owner:{owner.id}", at=now)


def ask_for_reconfirmation(
    session: Session, settings: Settings, now: datetime | None = None, limit: int = 200
) -> int:
    """Ask up to ``limit`` owners due for their yearly confirmation; how many were asked.

    Each is asked once per confirmation: the next run skips them (``reconfirm_requested_at``
    is newer than their last confirmation). The worker calls this every hour, so a large
    registry is asked in batches.
    """
    now = now or utcnow()
    # Two processes running the upkeep at once (web workers dispatching in-process) never
    # ask the same owner twice: on PostgreSQL each skips the rows the other holds.
    owners = session.scalars(
        select(Owner)
        .where(*_due_for_asking(settings, now))
        .order_by(Owner.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=Owner)
    ).all()
    for owner in owners:
        _ask(session, owner, settings, now)
    session.flush()
    return len(owners)


def pause_unconfirmed(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Hold back owners silent for the grace period; how many became "unconfirmed"."""
    now = now or utcnow()
    owners = session.scalars(
        select(Owner)
        .where(
            Owner.reconfirm_requested_at.is_not(None),
            Owner.reconfirm_requested_at <= now - timedelta(days=settings.reconfirm_grace_days),
            or_(Owner.confirmed_at.is_(None), Owner.confirmed_at < Owner.reconfirm_requested_at),
            Owner.status != "unconfirmed",
        )
        .order_by(Owner.id)
    ).all()
    paused = 0
    for owner in owners:
        refresh_status(owner, settings, now)
        if owner.status == "unconfirmed":
            paused += 1
            audit.record(
                session,
                "system",
                "owner.unconfirmed",
                f"owner:{owner.id}",
                at=now,
                asked_at=owner.reconfirm_requested_at.isoformat(),
            )
    session.flush()
    return paused


def reconfirm_view(
    session: Session, token: str, now: datetime | None = None, language: str | None = None
) -> ReconfirmView:
    """What the link's page shows, in ``language`` (default: the owner's); changes nothing.

    Raises DomainError("owner.link_invalid") for an unknown, used or expired link.
    """
    now = now or utcnow()
    _link, owner = peek_owner_link(session, token, "reconfirm", now)
    lang = language if language in LANGUAGES else _language(owner)
    sites = session.scalars(
        select(Site)
        .where(Site.owner_id == owner.id, Site.status == "active")
        .options(selectinload(Site.cameras))
        .order_by(Site.id)
    ).all()
    locations = tuple(
        ReconfirmLocation(
            site.address_line,
            site.unit,
            site.zip_code,
            tuple((c.camera_kind, c.count, c.faces, c.direction) for c in site.cameras),
        )
        for site in sites
    )
    cameras = sum(count for loc in locations for _, count, _, _ in loc.cameras)
    return ReconfirmView(lang, locations, cameras)


def confirm_cameras(
    session: Session,
    token: str,
    now: datetime | None,
    settings: Settings,
    ip_address: str | None = None,
) -> Owner:
    """The owner still has these cameras: the link is used, and they are released."""
    now = now or utcnow()
    owner = use_owner_link(session, token, "reconfirm", now)
    before = owner.status
    owner.confirmed_at = now
    refresh_status(owner, settings, now)
    audit.record(
        session,
        f"owner:{owner.id}",
        "owner.reconfirmed",
        f"owner:{owner.id}",
        (ip_address or "")[:64] or None,
        at=now,
        status_before=before,
        status=owner.status,
    )
    session.flush()
    return owner


@dataclass(frozen=True)
class Reconfirmed:
    """The owner's sharing status once they confirmed their cameras."""

    status: str


def reconfirm_cameras(
    session: Session,
    token: str,
    now: datetime | None,
    settings: Settings,
    ip_address: str | None = None,
) -> Reconfirmed:
    """The reconfirmation page's button: ``confirm_cameras``, and the status it left."""
    return Reconfirmed(confirm_cameras(session, token, now, settings, ip_address).status)

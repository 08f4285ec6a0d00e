"""Outreach campaigns: each has a short code printed on its QR flyer."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import Campaign, StaffUser, utcnow
from camshare.services import audit
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.permissions import Actor, authorize
from camshare.settings import Settings
from camshare.vocabulary import CAMPAIGN_KINDS, FLYER_LANGUAGES

# No 0/O or 1/I/L: codes are read off paper and typed by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6


@dataclass(frozen=True)
class CampaignView:
    """A campaign as pages and commands show it."""

    id: int
    code: str
    name: str
    kind: str
    join_url: str


def new_campaign_code() -> str:
    """A random code from the unambiguous alphabet."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str | None) -> str:
    """A code as typed or scanned, folded to the stored form."""
    return (code or "").strip().upper()[:16]


def join_url(public_base_url: str, code: str) -> str:
    """The URL a campaign's QR code opens."""
    return f"{public_base_url.rstrip('/')}/join/{code}"


def create_campaign(
    session: Session,
    public_base_url: str,
    name: str,
    kind: str = "community_event",
    code: str | None = None,
    **details: str | None,
) -> CampaignView:
    """Create a campaign with a fresh (or the given) code."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise DomainError("error.campaign_name", field="name")
    if kind not in CAMPAIGN_KINDS:
        raise DomainError("error.campaign_kind", field="kind")
    if code:
        code = normalize_code(code)
        if any(ch not in CODE_ALPHABET for ch in code) or not 4 <= len(code) <= 16:
            raise DomainError("error.campaign_code", field="code")
        if session.scalar(select(Campaign.id).where(Campaign.code == code)):
            raise DomainError("error.campaign_code_taken", field="code")
    else:
        code = new_campaign_code()
        while session.scalar(select(Campaign.id).where(Campaign.code == code)):
            code = new_campaign_code()
    campaign = Campaign(code=code, name=name, kind=kind, **details)
    session.add(campaign)
    session.flush()
    return CampaignView(campaign.id, code, name, kind, join_url(public_base_url, code))


def find_campaign(session: Session, code: str | None) -> Campaign | None:
    """The live campaign with this code, or None (the visit then counts as 'direct')."""
    code = normalize_code(code)
    if not code:
        return None
    return session.scalar(
        select(Campaign).where(Campaign.code == code, Campaign.archived_at.is_(None))
    )


_ZIP = re.compile(r"^\d{5}$")
CAMPAIGN_FIELDS = (
    "name",
    "kind",
    "event_date",
    "place",
    "neighbourhood",
    "zip_code",
    "flyer_language",
    "responsible_id",
)


@dataclass(frozen=True)
class CampaignSummary:
    """A campaign as the outreach list shows it."""

    id: int
    code: str
    name: str
    kind: str
    event_date: str
    place: str
    neighbourhood: str
    zip_code: str
    flyer_language: str
    responsible_id: int | None
    responsible: str
    join_url: str
    archived: bool


def _clean_fields(session: Session, values: dict[str, str]) -> dict[str, object]:
    """The form's values checked; ValidationFailed names every field at fault."""
    errors: dict[str, str] = {}
    text = {name: str(values.get(name) or "").strip() for name in CAMPAIGN_FIELDS}
    if not text["name"] or len(text["name"]) > 200:
        errors["name"] = "error.campaign_name"
    if text["kind"] not in CAMPAIGN_KINDS:
        errors["kind"] = "error.campaign_kind"
    if text["event_date"]:
        try:
            date.fromisoformat(text["event_date"])
        except ValueError:
            errors["event_date"] = "error.campaign_date"
    for name, limit in (("place", 200), ("neighbourhood", 100)):
        if len(text[name]) > limit:
            errors[name] = "error.campaign_text_too_long"
    if text["zip_code"] and not _ZIP.match(text["zip_code"]):
        errors["zip_code"] = "error.campaign_zip"
    if text["flyer_language"] not in FLYER_LANGUAGES:
        errors["flyer_language"] = "error.campaign_flyer_language"
    responsible_id = None
    if text["responsible_id"]:
        user = (
            session.get(StaffUser, int(text["responsible_id"]))
            if text["responsible_id"].isdigit()
            else None
        )
        if user is None or user.disabled_at is not None:
            errors["responsible_id"] = "error.campaign_responsible"
        else:
            responsible_id = user.id
    if errors:
        raise ValidationFailed(errors)
    return {
        "name": text["name"],
        "kind": text["kind"],
        "event_date": text["event_date"] or None,
        "place": text["place"] or None,
        "neighbourhood": text["neighbourhood"] or None,
        "zip_code": text["zip_code"] or None,
        "flyer_language": text["flyer_language"],
        "responsible_id": responsible_id,
    }


def save_campaign(
    session: Session,
    actor: Actor,
    values: dict[str, str],
    settings: Settings,
    campaign_id: int | None = None,
    now: datetime | None = None,
) -> CampaignView:
    """Create a campaign (a fresh code) or change one; its code never changes."""
    authorize(actor, "campaign.manage")
    fields = _clean_fields(session, values)
    now = now or utcnow()
    if campaign_id is None:
        view = create_campaign(session, settings.public_base_url, **fields)
        campaign = session.get(Campaign, view.id)
        campaign.created_by_id = actor.user_id
        action = "campaign.created"
    else:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise DomainError("error.campaign_not_found")
        for name, value in fields.items():
            setattr(campaign, name, value)
        campaign.updated_at = now
        action = "campaign.updated"
    session.flush()
    audit.record(
        session,
        actor.audit_name,
        action,
        f"campaign:{campaign.code}",
        actor.ip_address,
        name=campaign.name,
    )
    return CampaignView(
        campaign.id,
        campaign.code,
        campaign.name,
        campaign.kind,
        join_url(settings.public_base_url, campaign.code),
    )


def set_archived(
    session: Session, actor: Actor, campaign_id: int, archived: bool, now: datetime | None = None
) -> None:
    """Archive a campaign (its code then counts visits as "direct") or bring it back."""
    authorize(actor, "campaign.manage")
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise DomainError("error.campaign_not_found")
    campaign.archived_at = (now or utcnow()) if archived else None
    audit.record(
        session,
        actor.audit_name,
        "campaign.archived" if archived else "campaign.restored",
        f"campaign:{campaign.code}",
        actor.ip_address,
    )


def list_campaigns_for_staff(
    session: Session, actor: Actor, settings: Settings, include_archived: bool = False
) -> list[CampaignSummary]:
    """Campaigns, newest first; archived ones on request."""
    authorize(actor, "dashboard.view")
    query = select(Campaign, StaffUser.display_name).outerjoin(
        StaffUser, StaffUser.id == Campaign.responsible_id
    )
    if not include_archived:
        query = query.where(Campaign.archived_at.is_(None))
    rows = session.execute(query.order_by(Campaign.id.desc())).all()
    return [
        CampaignSummary(
            id=c.id,
            code=c.code,
            name=c.name,
            kind=c.kind,
            event_date=c.event_date or "",
            place=c.place or "",
            neighbourhood=c.neighbourhood or "",
            zip_code=c.zip_code or "",
            flyer_language=c.flyer_language,
            responsible_id=c.responsible_id,
            responsible=responsible or "",
            join_url=join_url(settings.public_base_url, c.code),
            archived=c.archived_at is not None,
        )
        for c, responsible in rows
    ]


def responsible_choices(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """Active staff who may run a campaign, as (id, name), for the form's list."""
    authorize(actor, "campaign.manage")
    return [
        (user.id, user.display_name)
        for user in session.scalars(
            select(StaffUser)
            .where(StaffUser.disabled_at.is_(None), StaffUser.role.in_(("outreach", "admin")))
            .order_by(StaffUser.display_name)
        )
    ]


@dataclass(frozen=True)
class CampaignsPage:
    """The campaigns page: the campaigns, and who may be made responsible for one."""

    campaigns: tuple[CampaignSummary, ...]
    responsible: tuple[tuple[int, str], ...]


def campaigns_page(
    session: Session, actor: Actor, settings: Settings, include_archived: bool = False
) -> CampaignsPage:
    """What the campaigns page lists (``list_campaigns_for_staff``, ``responsible_choices``)."""
    return CampaignsPage(
        tuple(list_campaigns_for_staff(session, actor, settings, include_archived)),
        tuple(responsible_choices(session, actor)),
    )

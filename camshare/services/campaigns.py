"""Outreach campaigns: each has a short code printed on its QR flyer."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import Campaign
from camshare.services.errors import DomainError

# No 0/O or 1/I/L: codes are read off paper and typed by hand.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CAMPAIGN_KINDS = ("community_event", "door_to_door", "business_association", "online", "other")


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

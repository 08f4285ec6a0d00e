"""Drafts: a sign-up in progress, kept on the server under a key the browser holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from camshare.i18n import DEFAULT_LANGUAGE, LANGUAGES
from camshare.models import CampaignVisit, RegistrationDraft, utcnow
from camshare.services.errors import DomainError
from camshare.services.outreach.campaigns import find_campaign
from camshare.services.tokens import new_token, token_hash

MAX_TYPED_VALUE = 500
DEFAULT_TTL_HOURS = 24

# The form fields whose typed values a draft keeps (anything else is ignored).
TYPED_FIELDS = frozenset(
    {
        "full_name",
        "phone",
        "email",
        "owner_kind",
        "business_name",
        "address_line",
        "unit",
        "city",
        "state",
        "zip_code",
        "typed_name",
    }
)


@dataclass(frozen=True)
class DraftSnapshot:
    """What the sign-up pages need to show a draft."""

    key: str
    step: str
    language: str
    campaign_code: str | None
    data: dict[str, Any] = field(default_factory=dict)


def snapshot_of(draft: RegistrationDraft, key: str, campaign_code: str | None) -> DraftSnapshot:
    return DraftSnapshot(key, draft.step, draft.language, campaign_code, dict(draft.data or {}))


def _pick_language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def load_draft(session: Session, key: str, now: datetime | None = None) -> RegistrationDraft:
    """The live draft under ``key``; DomainError when it expired or was completed."""
    now = now or utcnow()
    # Locked, so two tabs of one draft cannot both send a code or both complete it.
    draft = session.scalar(
        select(RegistrationDraft)
        .where(RegistrationDraft.key_sha256 == token_hash(key or ""))
        .with_for_update()
    )
    if draft is None or draft.expires_at <= now:
        raise DomainError("error.draft_expired")
    if draft.completed_at is not None:
        raise DomainError("error.draft_completed")
    return draft


def save_draft(draft: RegistrationDraft, step: str | None = None) -> None:
    """Mark the draft's data changed, move it to ``step`` if given, and keep it alive.

    A draft expires a fixed time after the resident last did something, not after it was
    opened: someone who comes back to finish after lunch must not lose their work.
    """
    if step is not None:
        draft.step = step
    if draft.completed_at is None:
        ttl = timedelta(hours=(draft.data or {}).get("ttl_hours", DEFAULT_TTL_HOURS))
        draft.expires_at = max(draft.expires_at, utcnow() + ttl)
    flag_modified(draft, "data")


def forget_signature(draft: RegistrationDraft) -> None:
    """What was signed changed: the agreement must be signed again and a new code sent."""
    draft.data.pop("consent", None)
    draft.data.pop("code_requested", None)


def open_draft(
    session: Session,
    key: str | None,
    campaign_code: str | None,
    language: str | None,
    ttl_hours: int = 24,
    now: datetime | None = None,
) -> DraftSnapshot:
    """Resume the browser's draft, or start one; records the visit against the campaign."""
    now = now or utcnow()
    campaign = find_campaign(session, campaign_code)
    draft = None
    if key:
        draft = session.scalar(
            select(RegistrationDraft).where(RegistrationDraft.key_sha256 == token_hash(key))
        )
        if draft is not None and (draft.expires_at <= now or draft.completed_at is not None):
            draft = None
    if draft is None:
        key = new_token()
        draft = RegistrationDraft(
            key_sha256=token_hash(key),
            campaign_id=campaign.id if campaign else None,
            language=_pick_language(language),
            step="contact",
            data={"raw": {}, "sites": [], "ttl_hours": ttl_hours},
            expires_at=now + timedelta(hours=ttl_hours),
            created_at=now,
        )
        session.add(draft)
        session.flush()
        _record_visit(session, draft, campaign.id if campaign else None, now)
    elif campaign is not None:
        # A resumed draft counts as a scan only when it came back through a campaign code.
        draft.campaign_id = draft.campaign_id or campaign.id
        _record_visit(session, draft, campaign.id, now)
    code = campaign.code if campaign else None
    return snapshot_of(draft, key, code)


def _record_visit(session: Session, draft: RegistrationDraft, campaign_id: int | None, now) -> None:
    exists = session.scalar(
        select(CampaignVisit.id).where(
            CampaignVisit.draft_id == draft.id,
            CampaignVisit.campaign_id.is_(None)
            if campaign_id is None
            else CampaignVisit.campaign_id == campaign_id,
        )
    )
    if exists:
        return
    try:
        with session.begin_nested():
            session.add(
                CampaignVisit(
                    campaign_id=campaign_id,
                    draft_id=draft.id,
                    language=draft.language,
                    visited_at=now,
                )
            )
    except IntegrityError:
        pass  # a second tab recorded the same visit a moment earlier


FUNNEL_STEPS = ("started", "verified", "completed")


def record_progress(
    session: Session,
    draft: RegistrationDraft,
    step: str,
    now: datetime,
    owner_id: int | None = None,
) -> None:
    """Mark how far the sign-up behind ``draft`` went, on the visit it is counted under.

    A draft is counted under its first campaign (or as "direct"); the first time a step is
    reached is kept, so going back and forth does not move it.
    """
    if step not in FUNNEL_STEPS:
        raise ValueError(step)
    column = getattr(CampaignVisit, f"{step}_at")
    values: dict[str, object] = {f"{step}_at": func.coalesce(column, now)}
    if owner_id is not None:
        values["owner_id"] = owner_id
    session.execute(
        update(CampaignVisit)
        .where(
            CampaignVisit.draft_id == draft.id,
            CampaignVisit.campaign_id.is_(None)
            if draft.campaign_id is None
            else CampaignVisit.campaign_id == draft.campaign_id,
        )
        .values(**values)
    )


def load_snapshot(session: Session, key: str) -> DraftSnapshot:
    """The draft under ``key`` as the pages show it."""
    return snapshot_of(load_draft(session, key), key, None)


def open_draft_keeping(
    session: Session,
    typed: dict[str, str],
    campaign_code: str | None,
    language: str | None,
    ttl_hours: int = DEFAULT_TTL_HOURS,
) -> DraftSnapshot:
    """A new draft holding what the resident typed into one that expired under them."""
    snapshot = open_draft(session, None, campaign_code, language, ttl_hours=ttl_hours)
    save_typed(session, snapshot.key, typed)
    return load_snapshot(session, snapshot.key)


def set_language(session: Session, key: str, language: str) -> DraftSnapshot:
    """Switch the draft's language (its SMS follow it)."""
    draft = load_draft(session, key)
    draft.language = _pick_language(language)
    return snapshot_of(draft, key, None)


def save_typed(session: Session, key: str, values: dict[str, str]) -> None:
    """Keep what the resident typed so far, unvalidated, so a reload restores it."""
    draft = load_draft(session, key)
    raw = draft.data.setdefault("raw", {})
    for name, value in values.items():
        if name in TYPED_FIELDS and isinstance(value, str):
            raw[name] = value[:MAX_TYPED_VALUE]
    save_draft(draft)


def go_to_step(session: Session, key: str, step: str) -> DraftSnapshot:
    """Move back to an earlier step the resident wants to change."""
    draft = load_draft(session, key)
    reachable = {"contact", "location"}
    if draft.data.get("contact"):
        reachable |= {"agreement"} if draft.data.get("sites") else set()
        if draft.data.get("consent"):
            reachable.add("verify")
    sites = draft.data.get("sites") or []
    if step in ("pin", "cameras") and not draft.data.get("site") and sites:
        # Back from the agreement: the last location opens again as it was saved; saving
        # it again replaces it in the list (same address).
        last = dict(sites[-1])
        draft.data["site"] = last
        draft.data["raw_cameras"] = [
            {k: "" if v is None else str(v) for k, v in row.items()} for row in last["cameras"]
        ]
    if draft.data.get("site", {}).get("lat") is not None:
        reachable |= {"pin", "cameras"}
    if step not in reachable:
        raise DomainError("error.step_unavailable")
    save_draft(draft, step)
    return snapshot_of(draft, key, None)


def purge_expired_drafts(session: Session, now: datetime | None = None) -> int:
    """Delete unfinished drafts past their expiry (with their codes); returns how many."""
    now = now or utcnow()
    drafts = session.scalars(
        select(RegistrationDraft).where(
            RegistrationDraft.expires_at <= now, RegistrationDraft.completed_at.is_(None)
        )
    ).all()
    for draft in drafts:
        session.delete(draft)
    return len(drafts)

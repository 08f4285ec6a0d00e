"""Who accepted which agreement version, and when: for the owner, for admins, per version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from camshare.models import AgreementVersion, Consent, Owner
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.permissions import Actor, authorize
from camshare.services.phones import normalize_mobile
from camshare.settings import Settings


@dataclass(frozen=True)
class ConsentRecord:
    """One acceptance of one agreement version, as the owner and admins see it."""

    version: str
    language: str
    accepted_at: datetime
    withdrawn_at: datetime | None
    text_sha256: str


@dataclass(frozen=True)
class PublishedVersion:
    """A version as listed on the admin page: its date and each language's words."""

    version: str
    published_at: datetime
    titles: dict[str, str]
    change_summaries: dict[str, str]


def consent_history(session: Session, owner_id: int) -> list[ConsentRecord]:
    """Every consent the owner gave, oldest first (withdrawn ones included)."""
    rows = session.execute(
        select(Consent, AgreementVersion.version)
        .join(AgreementVersion, AgreementVersion.id == Consent.agreement_version_id)
        .where(Consent.owner_id == owner_id)
        .order_by(Consent.accepted_at, Consent.id)
    ).all()
    return [
        ConsentRecord(version, c.language, c.accepted_at, c.withdrawn_at, c.text_sha256)
        for c, version in rows
    ]


def consent_history_for_admin(
    session: Session, actor: Actor, owner_id: int, now: datetime | None = None
) -> list[ConsentRecord]:
    """An owner's consents for an admin; the look is audited."""
    authorize(actor, "audit.view")
    records = consent_history(session, owner_id)
    audit.record(
        session,
        actor.audit_name,
        "consent.history_viewed",
        f"owner:{owner_id}",
        actor.ip_address,
        at=now,
    )
    return records


def version_history(session: Session, actor: Actor) -> tuple[list[PublishedVersion], int]:
    """Every published version, newest first, and how many owners have yet to accept again."""
    authorize(actor, "agreement.publish")
    rows = session.scalars(
        select(AgreementVersion).order_by(
            AgreementVersion.published_at.desc(), AgreementVersion.id.desc()
        )
    ).all()
    versions: dict[str, PublishedVersion] = {}
    for row in rows:
        entry = versions.get(row.version)
        if entry is None:
            entry = versions[row.version] = PublishedVersion(row.version, row.published_at, {}, {})
        entry.titles[row.language] = row.title
        entry.change_summaries[row.language] = row.change_summary or ""
    waiting = session.scalar(
        select(func.count(Owner.id)).where(Owner.reconsent_requested_at.is_not(None))
    )
    return list(versions.values()), int(waiting or 0)


def consent_history_by_phone(
    session: Session, actor: Actor, phone_raw: str, settings: Settings, now=None
) -> list[ConsentRecord]:
    """An owner's consents looked up by their phone number, for an admin; audited."""
    authorize(actor, "audit.view")
    phone = normalize_mobile(phone_raw, settings.default_region, settings.sms_region_list)
    owner_id = session.scalar(select(Owner.id).where(Owner.phone_e164 == phone))
    if owner_id is None:
        raise DomainError("agreements.owner_not_found", field="lookup_phone")
    return consent_history_for_admin(session, actor, owner_id, now)

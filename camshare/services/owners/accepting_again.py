"""An owner accepting a new agreement version from the texted link.

Opening the link only reads it (``reconsent_view``); the page's button (``accept_again``)
signs the exact text shown, under the same rules as at sign-up, and releases them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.i18n import LANGUAGES
from camshare.models import AgreementVersion, Consent, utcnow
from camshare.services import audit
from camshare.services.agreements.texts import (
    AgreementText,
    current_agreement,
    get_agreement,
    version_in_force,
)
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.owners.links import peek_owner_link, use_owner_link
from camshare.services.owners.standing import refresh_status
from camshare.services.registration.agreement import signature_matches
from camshare.services.registration.contact import clean_name
from camshare.settings import Settings


@dataclass(frozen=True)
class ReconsentView:
    """What the re-consent page shows: the change first, then the text to sign."""

    language: str
    agreement: AgreementText
    change_summary: str
    previous_version: str | None


@dataclass(frozen=True)
class Reaccepted:
    """The outcome of accepting again: the version signed and the owner's status now."""

    version: str
    language: str
    status: str


def _latest_standing_version(session: Session, owner_id: int) -> str | None:
    return session.scalar(
        select(AgreementVersion.version)
        .join(Consent, Consent.agreement_version_id == AgreementVersion.id)
        .where(Consent.owner_id == owner_id, Consent.withdrawn_at.is_(None))
        .order_by(Consent.accepted_at.desc(), Consent.id.desc())
        .limit(1)
    )


def _text_to_sign(session: Session, language: str) -> tuple[AgreementText, str]:
    text = current_agreement(session, language)
    if text is None:
        raise DomainError("owner.link_invalid")
    row = session.get(AgreementVersion, text.id)
    return text, row.change_summary or ""


def reconsent_view(
    session: Session, token: str, now: datetime | None = None, language: str | None = None
) -> ReconsentView:
    """What the link's page shows, in ``language`` (default: the owner's); changes nothing."""
    now = now or utcnow()
    _link, owner = peek_owner_link(session, token, "reconsent", now)
    lang = language if language in LANGUAGES else owner.language
    lang = lang if lang in LANGUAGES else "en"
    text, change = _text_to_sign(session, lang)
    previous = _latest_standing_version(session, owner.id)
    return ReconsentView(
        language=lang,
        agreement=text,
        change_summary=change,
        previous_version=previous if previous != text.version else None,
    )


def accept_again(
    session: Session,
    token: str,
    accepted: bool,
    typed_name: str,
    ip_address: str | None,
    user_agent: str | None,
    settings: Settings,
    now: datetime | None = None,
    *,
    agreement_id: int | None = None,
) -> Reaccepted:
    """Sign the current version shown (``agreement_id``; default: the owner's language).

    The same rules as at sign-up: the box ticked and the owner's own name typed (case and
    accents ignored). The link then works no more, and the owner is released unless
    something else (their own pause) holds them back.
    """
    now = now or utcnow()
    _link, owner = peek_owner_link(session, token, "reconsent", now)
    current = version_in_force(session)
    if agreement_id is None:
        text, _ = _text_to_sign(session, owner.language)
    else:
        text = get_agreement(session, agreement_id)
    if text is None or current is None or text.version != current.version:
        raise DomainError("error.agreement_changed")
    errors: dict[str, str] = {}
    if not accepted:
        errors["accepted"] = "reconsent.error_not_accepted"
    name = clean_name(typed_name)
    if not name:
        errors["typed_name"] = "error.typed_name_required"
    elif not signature_matches(name, owner.full_name):
        errors["typed_name"] = "reconsent.error_name_mismatch"
    if errors:
        raise ValidationFailed(errors)
    use_owner_link(session, token, "reconsent", now)
    session.add(
        Consent(
            owner_id=owner.id,
            agreement_version_id=text.id,
            text_sha256=text.text_sha256,
            language=text.language,
            typed_name=name,
            accepted_at=now,
            ip_address=(ip_address or "")[:64] or None,
            user_agent=(user_agent or "")[:400] or None,
        )
    )
    owner.reconsent_requested_at = None
    refresh_status(owner, settings, now)
    audit.record(
        session,
        f"owner:{owner.id}",
        "agreement.accepted_again",
        f"owner:{owner.id}",
        (ip_address or "")[:64] or None,
        at=now,
        version=text.version,
        language=text.language,
        text_sha256=text.text_sha256,
    )
    session.flush()
    return Reaccepted(text.version, text.language, owner.status)

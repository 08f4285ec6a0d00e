"""The agreement step: the resident signs the exact text shown."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy.orm import Session

from camshare.models import utcnow
from camshare.services.agreements.texts import get_agreement
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.registration.contact import clean_name
from camshare.services.registration.drafts import (
    DraftSnapshot,
    load_draft,
    save_draft,
    snapshot_of,
)


def signature_letters(name: str) -> str:
    """A name's letters as compared for signing: case, accents, emoji, punctuation, digits
    and spacing ignored (not every keyboard has é or ñ, nor every signer the emoji)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if ch.isalpha())


def signature_matches(typed: str, full_name: str) -> bool:
    """Whether a typed signature is the registered name, letter for letter."""
    letters = signature_letters(typed)
    return bool(letters) and letters == signature_letters(full_name)


def accept_agreement(
    session: Session,
    key: str,
    agreement_id: int,
    accepted: bool,
    typed_name: str,
    ip_address: str | None,
    user_agent: str | None,
    now: datetime | None = None,
) -> DraftSnapshot:
    """Record the resident's acceptance of the exact text shown; next, verify the phone."""
    draft = load_draft(session, key)
    contact = draft.data.get("contact")
    if not contact or not draft.data.get("sites"):
        raise DomainError("error.step_unavailable")
    agreement = get_agreement(session, agreement_id)
    if agreement is None:
        raise DomainError("error.agreement_changed")
    errors: dict[str, str] = {}
    if not accepted:
        errors["accepted"] = "error.agreement_not_accepted"
    name = clean_name(typed_name)
    if not name:
        errors["typed_name"] = "error.typed_name_required"
    elif not signature_matches(name, contact["full_name"]):
        errors["typed_name"] = "error.typed_name_mismatch"
    if errors:
        raise ValidationFailed(errors)
    draft.data["consent"] = {
        "agreement_version_id": agreement.id,
        "version": agreement.version,
        "text_sha256": agreement.text_sha256,
        "language": agreement.language,
        "typed_name": name,
        "accepted_at": (now or utcnow()).isoformat(),
        "ip_address": (ip_address or "")[:64] or None,
        "user_agent": (user_agent or "")[:400] or None,
    }
    save_draft(draft, "verify")
    return snapshot_of(draft, key, None)

"""The contact step: name, mobile phone, e-mail, resident or business."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy.orm import Session

from camshare.models import utcnow
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.phones import normalize_mobile
from camshare.services.registration.drafts import (
    DraftSnapshot,
    forget_signature,
    load_draft,
    record_progress,
    save_draft,
    snapshot_of,
)
from camshare.vocabulary import OWNER_KINDS

MAX_NAME = 120

# Invisible characters that only hide or reorder text. Other format characters stay: the
# zero-width (non-)joiners spell Persian and Indic names, tag characters make flag emoji.
_INVISIBLE = frozenset(
    "\u00ad\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


def clean_name(value: str | None) -> str:
    """A person's or business's name: trimmed, spaces folded, NFC; emoji and accents kept."""
    text = unicodedata.normalize("NFC", value or "")
    text = "".join(ch for ch in text if ch not in _INVISIBLE and unicodedata.category(ch) != "Cc")
    return re.sub(r"\s+", " ", text).strip()


def check_name(
    value: str | None,
    field_name: str,
    errors: dict[str, str],
    params: dict[str, dict[str, object]] | None = None,
) -> str:
    """The cleaned name; a problem is added to ``errors`` (and its limit to ``params``)
    under ``field_name``."""
    name = clean_name(value)
    if not name:
        errors[field_name] = f"error.{field_name}_required"
    elif len(name) > MAX_NAME:
        errors[field_name] = "error.name_too_long"
        if params is not None:
            params[field_name] = {"max": MAX_NAME}
    elif not any(ch.isalpha() for ch in name):
        errors[field_name] = "error.name_needs_letters"
    return name


def check_email(value: str | None, errors: dict[str, str]) -> str:
    """The normalised e-mail address ("" when none); a problem is added to ``errors``."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        errors["email"] = "error.email_invalid"
        return text


def save_contact(
    session: Session,
    key: str,
    full_name: str,
    phone: str,
    email: str,
    owner_kind: str,
    business_name: str,
    region: str = "US",
    allowed_regions: tuple[str, ...] = ("US",),
    now: datetime | None = None,
) -> DraftSnapshot:
    """Validate and keep the contact details; the next step is the location."""
    draft = load_draft(session, key)
    errors: dict[str, str] = {}
    params: dict[str, dict[str, object]] = {}
    name = check_name(full_name, "full_name", errors, params)
    phone_e164 = ""
    try:
        phone_e164 = normalize_mobile(phone, region, allowed_regions)
    except DomainError as exc:
        errors["phone"] = exc.key
    email_clean = check_email(email, errors)
    if owner_kind not in OWNER_KINDS:
        errors["owner_kind"] = "error.owner_kind_required"
    business = ""
    if owner_kind == "business":
        business = check_name(business_name, "business_name", errors, params)
    if errors:
        raise ValidationFailed(errors, params)
    previous = draft.data.get("contact") or {}
    contact = {
        "full_name": name,
        "phone_e164": phone_e164,
        "email": email_clean or None,
        "owner_kind": owner_kind,
        "business_name": business or None,
    }
    if previous and previous != contact:
        forget_signature(draft)
    if previous.get("phone_e164") != phone_e164:
        draft.data.pop("phone_verified", None)
    draft.data["contact"] = contact
    draft.contact_saved_at = draft.contact_saved_at or now or utcnow()
    record_progress(session, draft, "started", draft.contact_saved_at)
    save_draft(draft, "agreement" if draft.data.get("sites") else "location")
    return snapshot_of(draft, key, None)

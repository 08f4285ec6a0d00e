"""Publishing a new agreement version: an admin writes it in every language, with what changed.

Owners are not asked here (``owners.reconsent_requests`` asks them; its ``publish_and_ask``
publishes and asks in one transaction, for tests and small registries).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.i18n import LANGUAGES
from camshare.models import AgreementVersion, utcnow
from camshare.services import audit
from camshare.services.agreements.texts import (
    AgreementText,
    publish_agreement,
)
from camshare.services.errors import ValidationFailed
from camshare.services.permissions import Actor, authorize
from camshare.settings import Settings

VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
TITLE_MAX = 200
POINT_MAX = 1000
CHANGE_MAX = 1000
BODY_MAX = 100_000


def _lines(value: object) -> list[str]:
    """Non-empty stripped lines of a textarea (or items of a list)."""
    items = value if isinstance(value, list | tuple) else str(value or "").splitlines()
    return [str(item).strip() for item in items if str(item).strip()]


def _validate(
    version: str, texts: dict, change_summary: dict
) -> tuple[str, dict[str, tuple[str, list[str], list[str], str]]]:
    errors: dict[str, str] = {}
    params: dict[str, dict[str, object]] = {}
    label = (version or "").strip()
    if not label:
        errors["version"] = "agreements.error_required"
    elif not VERSION_RE.match(label):
        errors["version"] = "agreements.error_version_format"
    clean: dict[str, tuple[str, list[str], list[str], str]] = {}
    for lang in LANGUAGES:
        given = texts.get(lang) or {}
        title = " ".join(str(given.get("title") or "").split())
        summary = _lines(given.get("summary"))
        body = _lines(given.get("body"))
        change = " ".join(str(change_summary.get(lang) or "").split())
        if not title:
            errors[f"{lang}_title"] = "agreements.error_required"
        elif len(title) > TITLE_MAX:
            errors[f"{lang}_title"] = "agreements.error_too_long"
            params[f"{lang}_title"] = {"max": TITLE_MAX}
        if not summary:
            errors[f"{lang}_summary"] = "agreements.error_required"
        elif any(len(point) > POINT_MAX for point in summary):
            errors[f"{lang}_summary"] = "agreements.error_point_too_long"
            params[f"{lang}_summary"] = {"max": POINT_MAX}
        if not body:
            errors[f"{lang}_body"] = "agreements.error_required"
        elif sum(len(p) for p in body) > BODY_MAX:
            errors[f"{lang}_body"] = "agreements.error_too_long"
            params[f"{lang}_body"] = {"max": BODY_MAX}
        if not change:
            errors[f"{lang}_change"] = "agreements.error_required"
        elif len(change) > CHANGE_MAX:
            errors[f"{lang}_change"] = "agreements.error_too_long"
            params[f"{lang}_change"] = {"max": CHANGE_MAX}
        clean[lang] = (title, summary, body, change)
    if errors:
        raise ValidationFailed(errors, params)
    return label, clean


def publish_new_version(
    session: Session,
    actor: Actor,
    version: str,
    texts: dict[str, dict],
    change_summary: dict[str, str],
    settings: Settings,
    now: datetime | None = None,
) -> list[AgreementText]:
    """Publish ``version`` in every language (all required); owners are not asked yet.

    ``texts[lang]`` holds ``title``, ``summary`` (points: a list, or one per line) and
    ``body`` (paragraphs: a list, or one per line). See ``publish_and_ask``.
    """
    authorize(actor, "agreement.publish")
    now = now or utcnow()
    label, clean = _validate(version, texts, change_summary)
    taken = session.scalar(select(AgreementVersion.id).where(AgreementVersion.version == label))
    if taken is not None:
        raise ValidationFailed({"version": "agreements.error_version_exists"})
    published = []
    for lang in LANGUAGES:
        title, summary, body, change = clean[lang]
        text = publish_agreement(session, label, lang, title, summary, body, change)
        session.get(AgreementVersion, text.id).published_at = now
        published.append(text)
    session.flush()
    audit.record(
        session,
        actor.audit_name,
        "agreement.published",
        f"agreement:{label}",
        actor.ip_address,
        at=now,
        hashes={t.language: t.text_sha256 for t in published},
    )
    return published

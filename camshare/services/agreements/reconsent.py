"""New agreement versions and owners accepting them again.

An admin publishes a version in English and Spanish with a summary of what changed. Every
owner whose standing consent is on an older version is then asked, once per version, to
read the change and accept again: ``reconsent_requested_at`` is set (with
``reconsent_pauses`` on, ``refresh_status`` holds them back from requests at once), and
they get a "reconsent" link by SMS in their language. Opening the link only reads it
(``reconsent_view``); the page's button (``accept_again``) signs the exact text shown,
under the same rules as at sign-up, and releases them.

Asking costs about 0.8 ms an owner on PostgreSQL (3,000 owners: 2.3 s, mostly one UPDATE
and two INSERTs each). So the admin page publishes in one transaction and then asks in
batches (``ask_in_batches``), each its own transaction; a batch only picks owners not yet
asked for the current version, so a batch that failed or a process that died is made up
by the next call, from any process (the worker can call ``ask_owners_to_reconsent`` with
a ``limit`` on every tick). ``publish_and_ask`` does both in one transaction, for tests and
small registries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session, aliased

from camshare import routes
from camshare.i18n import LANGUAGES, translate
from camshare.models import AgreementVersion, Consent, Owner, OwnerLink, utcnow
from camshare.services import audit
from camshare.services.agreements.texts import (
    AgreementText,
    current_agreement,
    get_agreement,
    publish_agreement,
    version_in_force,
)
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.messaging.outbox import enqueue_sms
from camshare.services.owners.links import peek_owner_link, use_owner_link
from camshare.services.owners.standing import refresh_status
from camshare.services.phones import normalize_mobile
from camshare.services.registration.agreement import signature_matches
from camshare.services.registration.contact import clean_name
from camshare.services.staff.permissions import Actor, authorize
from camshare.services.tokens import new_token, token_hash
from camshare.settings import Settings

# How long the texted link to accept a new version works.
RECONSENT_LINK_HOURS = 30 * 24
VERSION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
TITLE_MAX = 200
POINT_MAX = 1000
CHANGE_MAX = 1000
BODY_MAX = 100_000


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


def publish_and_ask(
    session: Session,
    actor: Actor,
    version: str,
    texts: dict[str, dict],
    change_summary: dict[str, str],
    settings: Settings,
    now: datetime | None = None,
) -> tuple[list[AgreementText], int]:
    """Publish a version and ask its owners to accept it, in one transaction."""
    now = now or utcnow()
    published = publish_new_version(session, actor, version, texts, change_summary, settings, now)
    return published, ask_owners_to_reconsent(session, settings, now)


def _owners_behind(current: AgreementVersion):
    """Owners with a standing consent, none of them on ``current``'s version, not yet asked."""
    standing = aliased(Consent)
    on_current = aliased(Consent)
    signed = aliased(AgreementVersion)
    has_standing = exists().where(standing.owner_id == Owner.id, standing.withdrawn_at.is_(None))
    has_current = exists().where(
        on_current.owner_id == Owner.id,
        on_current.withdrawn_at.is_(None),
        signed.id == on_current.agreement_version_id,
        signed.version == current.version,
    )
    return and_(
        has_standing,
        ~has_current,
        (Owner.reconsent_requested_at.is_(None))
        | (Owner.reconsent_requested_at < current.published_at),
    )


def reconsent_url(settings: Settings, token: str) -> str:
    """The link texted to an owner to accept a new version."""
    return settings.public_url(routes.reconsent_path(token))


def _ask(session: Session, owner: Owner, version: str, settings: Settings, now: datetime) -> int:
    """Mark and hold back one owner, and text them a link unless they opted out; 1 if texted.

    Their earlier unused re-consent links were ended by the caller, for the whole batch.
    """
    owner.reconsent_requested_at = now
    refresh_status(owner, settings, now)
    if owner.sms_opted_out_at is not None:
        return 0
    token = new_token()
    session.add(
        OwnerLink(
            owner_id=owner.id,
            purpose="reconsent",
            token_sha256=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(hours=RECONSENT_LINK_HOURS),
        )
    )
    lang = owner.language if owner.language in LANGUAGES else "en"
    key = "sms.reconsent_paused" if settings.reconsent_pauses else "sms.reconsent"

    def body(link: str) -> str:
        return translate(lang, key, program=settings.program(lang), version=version, link=link)

    enqueue_sms(
        session,
        owner.phone_e164,
        body(reconsent_url(settings, token)),
        "reconsent",
        lang,
        owner.id,
        redacted_body=body(reconsent_url(settings, "…")),
    )
    return 1


def ask_owners_to_reconsent(
    session: Session, settings: Settings, now: datetime | None = None, limit: int | None = None
) -> int:
    """Ask every owner behind the current version (at most ``limit``); how many were asked.

    Each is asked once per version: marked, held back (with ``reconsent_pauses``), sent a
    link in their language. Owners who replied STOP get no text, but are held back all the
    same; they can accept again from their own pages.
    """
    now = now or utcnow()
    current = version_in_force(session)
    if current is None:
        return 0
    query = select(Owner).where(_owners_behind(current)).order_by(Owner.id)
    if limit is not None:
        query = query.limit(limit)
    owners = list(session.scalars(query))
    if owners:
        # As ``new_owner_link`` does, one owner at a time: earlier links for this end now.
        # One statement for the batch instead of a look-up per owner (3,000 owners: 5 s).
        session.execute(
            update(OwnerLink)
            .where(
                OwnerLink.owner_id.in_([o.id for o in owners]),
                OwnerLink.purpose == "reconsent",
                OwnerLink.used_at.is_(None),
                OwnerLink.expires_at > now,
            )
            .values(expires_at=now)
            .execution_options(synchronize_session=False)
        )
    texted = sum(_ask(session, owner, current.version, settings, now) for owner in owners)
    if owners:
        audit.record(
            session,
            "system",
            "agreement.reconsent_asked",
            f"agreement:{current.version}",
            at=now,
            owners=len(owners),
            texted=texted,
        )
    session.flush()
    return len(owners)


def ask_in_batches(
    factory: Callable[[], Session], settings: Settings, now: datetime | None = None, batch=500
) -> int:
    """Ask every owner behind the current version, ``batch`` per transaction; how many."""
    asked = 0
    while True:
        with factory() as session, session.begin():
            done = ask_owners_to_reconsent(session, settings, now, limit=batch)
        asked += done
        if done < batch:
            return asked


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

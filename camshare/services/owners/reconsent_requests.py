"""Asking owners to accept a new agreement version.

Every owner whose standing consent is on an older version is asked, once per version, to
read the change and accept again: ``reconsent_requested_at`` is set (with
``reconsent_pauses`` on, ``refresh_status`` holds them back from requests at once), and
they get a "reconsent" link by SMS in their language.

Asking costs about 0.8 ms an owner on PostgreSQL (3,000 owners: 2.3 s, mostly one UPDATE
and two INSERTs each). So the admin page publishes in one transaction and then asks in
batches (``ask_in_batches``), each its own transaction; a batch only picks owners not yet
asked for the current version, so a batch that failed or a process that died is made up
by the next call, from any process (the worker can call ``ask_owners_to_reconsent`` with
a ``limit`` on every tick).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, select, update
from sqlalchemy.orm import Session, aliased

from camshare.i18n import LANGUAGES, translate
from camshare.models import AgreementVersion, Consent, Owner, OwnerLink, utcnow
from camshare.services import audit
from camshare.services.agreements.publishing import publish_new_version
from camshare.services.agreements.texts import (
    AgreementText,
    version_in_force,
)
from camshare.services.messaging.outbox import enqueue_sms
from camshare.services.owners.standing import refresh_status
from camshare.services.permissions import Actor
from camshare.services.tokens import new_token, token_hash
from camshare.settings import Settings

# How long the texted link to accept a new version works.
RECONSENT_LINK_HOURS = 30 * 24


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
    return settings.links.reconsent(token)


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
    """Ask every owner behind the current version, ``batch`` per transaction; how many.

    Commits part-way, by design: each batch is committed on its own (see the module's
    docstring), so this takes a session ``factory``.
    """
    asked = 0
    while True:
        with factory() as session, session.begin():
            done = ask_owners_to_reconsent(session, settings, now, limit=batch)
        asked += done
        if done < batch:
            return asked


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

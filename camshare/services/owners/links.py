"""Links texted to an owner (manage, re-consent, re-confirm): random, hashed, single use.

The token in the SMS is the owner's only key, so it is long (192 bits), stored only as a
hash, expires, and works once. Opening a link's page only reads it (``peek``); the button
on that page uses it (``use``), because link previewers fetch URLs on their own.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from camshare.models import Owner, OwnerLink, utcnow
from camshare.services.errors import DomainError
from camshare.services.tokens import new_token, token_hash
from camshare.vocabulary import OWNER_LINK_PURPOSES

PURPOSES = OWNER_LINK_PURPOSES


def new_owner_link(
    session: Session, owner: Owner, purpose: str, hours: float, now: datetime | None = None
) -> str:
    """A fresh link token for ``owner``; earlier unused links for the same purpose end."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    now = now or utcnow()
    for earlier in session.scalars(
        select(OwnerLink).where(
            OwnerLink.owner_id == owner.id,
            OwnerLink.purpose == purpose,
            OwnerLink.used_at.is_(None),
        )
    ):
        earlier.expires_at = min(earlier.expires_at, now)
    token = new_token()
    session.add(
        OwnerLink(
            owner_id=owner.id,
            purpose=purpose,
            token_sha256=token_hash(token),
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


def peek_owner_link(
    session: Session, token: str, purpose: str, now: datetime | None = None
) -> tuple[OwnerLink, Owner]:
    """The live link behind ``token`` and its owner, without using it.

    Raises DomainError("owner.link_invalid") for an unknown, expired, used or other-purpose
    link: the page says the same in every case and reveals nothing.
    """
    now = now or utcnow()
    if not token or not 20 <= len(token) <= 64:
        raise DomainError("owner.link_invalid")
    row = session.execute(
        select(OwnerLink, Owner)
        .join(Owner, Owner.id == OwnerLink.owner_id)
        .where(OwnerLink.token_sha256 == token_hash(token))
    ).first()
    if row is None:
        raise DomainError("owner.link_invalid")
    link, owner = row
    if link.purpose != purpose or link.used_at is not None or link.expires_at <= now:
        raise DomainError("owner.link_invalid")
    return link, owner


def manage_link_language(session: Session, token: str, now: datetime | None = None) -> str:
    """The language of the owner whose sign-in link ``token`` is, without using the link.

    Raises DomainError("owner.link_invalid") as ``peek_owner_link`` does.
    """
    _link, owner = peek_owner_link(session, token, "manage", now)
    return owner.language


def use_owner_link(
    session: Session, token: str, purpose: str, now: datetime | None = None
) -> Owner:
    """Use the link behind ``token`` once; its owner. A second use is refused.

    Spent by one conditional UPDATE, not read-then-write: of two taps at once, one wins.
    """
    now = now or utcnow()
    link, owner = peek_owner_link(session, token, purpose, now)
    spent = session.execute(
        update(OwnerLink)
        .where(OwnerLink.id == link.id, OwnerLink.used_at.is_(None))
        .values(used_at=now)
        .returning(OwnerLink.id)
        .execution_options(synchronize_session=False)
    ).first()
    if spent is None:
        raise DomainError("owner.link_invalid")
    set_committed_value(link, "used_at", now)
    return owner

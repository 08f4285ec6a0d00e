"""An owner who approved a request, and their upload link, for the footage tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AccessRecipient
from camshare.services.footage.links import upload_token
from tests.support.access_builders import INCIDENT, registered_owner, sent_request, staff


@dataclass(frozen=True)
class Approved:
    request_id: int
    recipient_id: int
    owner_id: int
    token: str


def approved_owner(
    session: Session, settings, at: datetime, *, answer: str = "approved", language: str = "en"
) -> Approved:
    """An owner near the incident, asked in a sent request, who answered ``answer`` at ``at``."""
    owner = registered_owner(session, INCIDENT, language=language)
    request_id = sent_request(
        session, settings, staff(session, "police"), staff(session, "supervisor"), at
    )
    recipient = session.scalar(
        select(AccessRecipient).where(
            AccessRecipient.request_id == request_id, AccessRecipient.owner_id == owner.id
        )
    )
    recipient.answer, recipient.answered_at, recipient.answered_via = answer, at, "link"
    session.flush()
    return Approved(
        request_id, recipient.id, owner.id, upload_token(settings.secret_key, recipient.id)
    )

"""The owner's upload link: which recipient it belongs to, and whether it still works.

The token is ``<recipient id>.<keyed hash of it>``: the server can build it again whenever
it must text it (after a YES by SMS the answer link's token is long gone, kept only as a
hash), and nothing is stored. It works only while the owner's answer is "approved", the
request is open, and for at most ``footage_link_days`` after the owner approved.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AccessRecipient, AccessRequest
from camshare.services.errors import DomainError
from camshare.services.tokens import token_hash


@dataclass(frozen=True)
class UploadLink:
    """A live upload link: whose it is and until when it works."""

    recipient_id: int
    request_id: int
    owner_id: int | None
    valid_until: datetime


def upload_token(secret_key: str, recipient_id: int) -> str:
    """The upload link's token for one recipient (the same every time it is built)."""
    return f"{recipient_id}.{_signature(secret_key, recipient_id)}"


def _signature(secret_key: str, recipient_id: int) -> str:
    digest = hmac.new(
        secret_key.encode(), f"footage-upload:{recipient_id}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def live_upload_link(session: Session, settings, token: str, now: datetime) -> UploadLink:
    """The recipient behind ``token`` if its link works now; a clear refusal otherwise."""
    recipient_id, _, signature = (token or "").partition(".")
    if not recipient_id.isdigit() or len(signature) != 43:
        raise DomainError("footage.link_invalid")
    if not hmac.compare_digest(signature, _signature(settings.secret_key, int(recipient_id))):
        raise DomainError("footage.link_invalid")
    recipient = session.get(AccessRecipient, int(recipient_id))
    request = session.get(AccessRequest, recipient.request_id) if recipient else None
    if recipient is None or request is None or recipient.owner_id is None:
        raise DomainError("footage.link_invalid")
    if recipient.answer != "approved" or recipient.answered_at is None:
        raise DomainError("footage.link_not_approved")
    valid_until = recipient.answered_at + timedelta(days=settings.footage_link_days)
    if request.expires_at is not None:
        valid_until = min(valid_until, request.expires_at)
    if request.status != "open" or now >= valid_until:
        raise DomainError("footage.link_closed")
    return UploadLink(recipient.id, request.id, recipient.owner_id, valid_until)


def upload_token_after_approval(settings, recipient_id: int) -> str:
    """The upload link's token for an answer just approved on an open request.

    ``live_upload_link``'s conditions hold by construction then (approved now, request
    open), so no query is needed.
    """
    return upload_token(settings.secret_key, recipient_id)


def upload_token_for_answer(
    session: Session, settings, answer_token: str, now: datetime
) -> str | None:
    """The upload link's token for the owner behind an answer link, if it works now."""
    if not answer_token or len(answer_token) > 64:
        return None
    recipient = session.scalar(
        select(AccessRecipient).where(AccessRecipient.token_sha256 == token_hash(answer_token))
    )
    if recipient is None:
        return None
    token = upload_token(settings.secret_key, recipient.id)
    try:
        live_upload_link(session, settings, token, now)
    except DomainError:
        return None
    return token

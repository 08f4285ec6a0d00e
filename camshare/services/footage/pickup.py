"""Pickup: an officer uploads an owner's export on their behalf, through the same tus path.

For owners who cannot upload themselves: the officer collected the export (a USB stick
from the recorder) and sends it from the board. The same limits and checks as the owner's
own upload apply (``intake.record_receiving``); the file's custody record starts with that
officer (``uploaded_by_id``, the ``footage.uploaded_on_behalf`` event) and the owner is
told by SMS when it is received.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AccessRecipient, FootageFile
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.footage.access import require
from camshare.services.footage.intake import UploadAccepted, record_receiving
from camshare.services.permissions import Actor


def begin_pickup(
    session: Session,
    settings,
    actor: Actor,
    request_id: int,
    recipient_id: int,
    upload_id: str,
    filename: str,
    size: int | None,
    caption: str,
    now: datetime,
) -> UploadAccepted:
    """Check the officer may upload for this approving owner; record the upload "receiving"."""
    request, _access = require(session, actor, request_id, "upload_on_behalf")
    if request.status != "open":
        raise DomainError("footage.link_closed")
    recipient = session.get(AccessRecipient, recipient_id)
    if (
        recipient is None
        or recipient.request_id != request.id
        or recipient.answer != "approved"
        or recipient.owner_id is None
    ):
        raise DomainError("custody.error.pickup_not_approved")
    accepted = record_receiving(
        session,
        settings,
        request.id,
        recipient.id,
        recipient.owner_id,
        upload_id,
        filename,
        size,
        caption,
        now,
        uploaded_by_id=actor.user_id,
    )
    audit.record(
        session,
        actor.audit_name,
        "footage.uploaded_on_behalf",
        f"footage:{accepted.file_id}",
        actor.ip_address,
        at=now,
        request_id=request.id,
        recipient_id=recipient.id,
    )
    return accepted


def check_pickup(session: Session, actor: Actor, upload_id: str) -> None:
    """A later request of a pickup upload: only the officer who began it, still allowed."""
    row = session.scalar(select(FootageFile).where(FootageFile.upload_id == upload_id))
    if row is None or row.uploaded_by_id != actor.user_id or row.status != "receiving":
        raise DomainError("footage.upload_unknown")
    require(session, actor, row.request_id, "upload_on_behalf")

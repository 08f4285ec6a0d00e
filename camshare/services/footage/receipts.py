"""What the owner sees of the files they sent: a receipt for each (upload page, /my).

Only what the owner needs and police would show anyway: name, size, when received, the
server's SHA-256, the caption, the status and, for a refused file, why. No personal data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AccessRequest, FootageFile, Owner
from camshare.services.errors import DomainError
from camshare.services.footage.links import live_upload_link

SHOWN = ("received", "refused", "accepted", "declined", "deleted")


@dataclass(frozen=True)
class Receipt:
    """One file as its sender sees it."""

    upload_id: str
    name: str
    size_bytes: int
    status: str
    received_at: datetime | None
    sha256: str | None
    caption: str | None
    refusal_reason: str | None
    kind: str | None

    def as_json(self) -> dict:
        """The receipt as JSON values."""
        values = asdict(self)
        values["received_at"] = self.received_at.isoformat() if self.received_at else None
        return values


def _receipt(row: FootageFile) -> Receipt:
    return Receipt(
        upload_id=row.upload_id,
        name=row.original_name,
        size_bytes=row.size_bytes,
        status=row.status,
        received_at=row.received_at,
        sha256=row.sha256,
        caption=row.caption,
        refusal_reason=row.refusal_reason,
        kind=row.kind,
    )


def receipt_for_upload(
    session: Session, settings, token: str, upload_id: str, now: datetime
) -> Receipt:
    """The receipt of one finished upload of this link (none while it is still arriving)."""
    link = live_upload_link(session, settings, token, now)
    row = session.scalar(select(FootageFile).where(FootageFile.upload_id == upload_id))
    if row is None or row.recipient_id != link.recipient_id or row.status not in SHOWN:
        raise DomainError("footage.upload_unknown")
    return _receipt(row)


def receipts_of_recipient(session: Session, recipient_id: int) -> tuple[Receipt, ...]:
    """Every finished file one owner sent for one request, oldest first (also for /my)."""
    rows = session.scalars(
        select(FootageFile)
        .where(FootageFile.recipient_id == recipient_id, FootageFile.status.in_(SHOWN))
        .order_by(FootageFile.id)
    ).all()
    return tuple(_receipt(row) for row in rows)


@dataclass(frozen=True)
class UploadPage:
    """What the upload page shows: the request's case, until when, the limits, receipts."""

    language: str
    case_number: str
    valid_until: datetime
    max_files: int
    max_file_bytes: int
    receipts: tuple[Receipt, ...]


def open_upload_page(session: Session, settings, token: str, now: datetime) -> UploadPage:
    """The upload page behind ``token``; a clear refusal when the link does not work."""
    link = live_upload_link(session, settings, token, now)
    request = session.get(AccessRequest, link.request_id)
    owner = session.get(Owner, link.owner_id) if link.owner_id else None
    return UploadPage(
        language=owner.language if owner else "en",
        case_number=request.case_number,
        valid_until=link.valid_until,
        max_files=settings.footage_max_files,
        max_file_bytes=settings.footage_max_file_bytes,
        receipts=receipts_of_recipient(session, link.recipient_id),
    )

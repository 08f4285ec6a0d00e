"""When each file's bytes are deleted: the one writer of ``FootageFile.delete_after``.

Nothing is scheduled while the request is open. Once it closes, declined and never-triaged
files are deleted ``footage_unaccepted_days`` after, accepted ones ``footage_evidence_days``
after, unless a supervisor holds them. ``upkeep`` (run from ``worker.upkeep``) schedules
the files of newly closed requests and deletes what is due; withdrawal deletes an owner's
unaccepted files at once and strips the personal fields from the accepted ones. Every
deletion is one ``footage.deleted`` audit event; the row stays for the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AccessRequest, FootageFile, utcnow
from camshare.services import audit

# Files with bytes police may still look at.
KEPT = ("received", "accepted", "declined")
SYSTEM = "system:retention"


@dataclass(frozen=True)
class RetentionRun:
    """What one upkeep run did."""

    scheduled: int
    deleted: int


def due_at(file: FootageFile, request: AccessRequest, settings) -> datetime | None:
    """When ``file`` should be deleted (None: not while its request is open, or held)."""
    if file.status not in KEPT or file.hold_reason or request.closed_at is None:
        return None
    days = (
        settings.footage_evidence_days
        if file.status == "accepted"
        else settings.footage_unaccepted_days
    )
    return request.closed_at + timedelta(days=days)


def schedule(session: Session, file: FootageFile, settings) -> None:
    """Set ``file.delete_after`` from its status, hold and request (after any change)."""
    request = session.get(AccessRequest, file.request_id)
    file.delete_after = due_at(file, request, settings)


def delete_bytes(
    session: Session, storage, file: FootageFile, reason: str, now: datetime, actor: str = SYSTEM
) -> None:
    """Remove the original and its derived copies; keep the row, log the deletion."""
    for key in (file.storage_key, file.thumbnail_key, file.preview_key):
        if key:
            storage.delete(key)
    previous = file.status
    file.storage_key = file.thumbnail_key = file.preview_key = None
    file.status = "deleted"
    file.deleted_at = now
    file.delete_after = None
    audit.record(
        session,
        actor,
        "footage.deleted",
        f"footage:{file.id}",
        at=now,
        request_id=file.request_id,
        reason=reason,
        was=previous,
        sha256=file.sha256,
    )


def upkeep(session: Session, storage, settings, now: datetime | None = None) -> RetentionRun:
    """Schedule the files of closed requests, then delete every file that is due."""
    now = now or utcnow()
    unscheduled = session.scalars(
        select(FootageFile)
        .join(AccessRequest, AccessRequest.id == FootageFile.request_id)
        .where(
            AccessRequest.closed_at.is_not(None),
            FootageFile.status.in_(KEPT),
            FootageFile.delete_after.is_(None),
            FootageFile.hold_reason.is_(None),
        )
    ).all()
    for file in unscheduled:
        schedule(session, file, settings)
    due = session.scalars(
        select(FootageFile)
        .where(
            FootageFile.delete_after <= now,
            FootageFile.hold_reason.is_(None),
            FootageFile.status.in_(KEPT),
        )
        .order_by(FootageFile.id)
        .with_for_update(skip_locked=True)
    ).all()
    for file in due:
        delete_bytes(session, storage, file, "retention", now)
    return RetentionRun(len(unscheduled), len(due))


def anonymous_name(file: FootageFile) -> str:
    """What an accepted file is called once its owner withdrew (their name may be in it)."""
    suffix = PurePath(file.original_name or "").suffix[:10]
    return f"footage-{file.id}{suffix}"


def withdraw_owner(
    session: Session, storage, owner_id: int, now: datetime | None = None
) -> tuple[int, int]:
    """An owner withdrew: delete their unaccepted files now, keep accepted ones without them.

    Returns (deleted, kept). Called by ``services/owners/withdrawal.py`` before the owner's
    row goes, in the same transaction.
    """
    now = now or utcnow()
    files = session.scalars(select(FootageFile).where(FootageFile.owner_id == owner_id)).all()
    if files and storage is None:
        raise RuntimeError("withdrawing an owner with footage needs the footage storage")
    deleted = kept = 0
    for file in files:
        if file.status == "accepted":
            kept += 1
        elif file.status in ("received", "declined", "receiving"):
            delete_bytes(session, storage, file, "withdrawal", now)
            deleted += 1
        file.owner_id = None
        file.recipient_id = None
        file.caption = None
        file.original_name = anonymous_name(file)
    return deleted, kept

"""Receiving an owner's files: the checks before an upload starts, and what completes it.

``begin_upload`` runs before tus creates an upload (link, name, size, how many files);
``check_upload`` before every later request of that upload (the link still works, the
upload is this link's); ``complete_upload`` once the last byte is on disk: identify, probe,
thumbnail, deduplicate, store the original, then queue the receipt SMS and any preview
for the worker (``jobs``). ``clean_incomplete`` (worker)
deletes the parts of uploads never finished.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from camshare.i18n import translate
from camshare.models import AccessRecipient, FootageFile, Owner
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.footage import jobs
from camshare.services.footage.identify import identify
from camshare.services.footage.links import UploadLink, live_upload_link, upload_token
from camshare.services.footage.names import clean_name, extension_of
from camshare.services.footage.probe import Probe, probe, write_preview, write_thumbnail
from camshare.services.footage.storage import FootageStorage
from camshare.services.messaging.outbox import enqueue_sms
from camshare.services.throttle import hold, slot_name

CAPTION_MAX = 500
# Rows that count toward the "at most N files" rule: all but the refused and the deleted.
COUNTED = ("receiving", "received", "accepted", "declined")


@dataclass(frozen=True)
class UploadAccepted:
    """A new upload the server agreed to receive."""

    file_id: int
    upload_id: str


@dataclass(frozen=True)
class Completion:
    """What became of a complete upload."""

    file_id: int
    status: str  # received | refused
    refusal_reason: str | None
    sha256: str | None
    duplicate_of: int | None = None
    needs_preview: bool = False


def begin_upload(
    session: Session,
    settings,
    token: str,
    upload_id: str,
    filename: str,
    size: int | None,
    caption: str,
    now: datetime,
) -> UploadAccepted:
    """Check a new upload against its link and the limits; record it as "receiving"."""
    link = live_upload_link(session, settings, token, now)
    return record_receiving(
        session,
        settings,
        link.request_id,
        link.recipient_id,
        link.owner_id,
        upload_id,
        filename,
        size,
        caption,
        now,
    )


def record_receiving(
    session: Session,
    settings,
    request_id: int,
    recipient_id: int,
    owner_id: int | None,
    upload_id: str,
    filename: str,
    size: int | None,
    caption: str,
    now: datetime,
    uploaded_by_id: int | None = None,
) -> UploadAccepted:
    """The limits (size, caption, files per owner and request), then the "receiving" row.

    Shared by the owner's link (``begin_upload``) and an officer's pickup upload on the
    owner's behalf (``pickup.begin_pickup``, which sets ``uploaded_by_id``).
    """
    if size is None:
        raise DomainError("footage.length_required")
    if size <= 0:
        raise DomainError("footage.refused.empty")
    if size > settings.footage_max_file_bytes:
        raise DomainError("footage.too_large", max_bytes=settings.footage_max_file_bytes)
    caption = (caption or "").strip()
    if len(caption) > CAPTION_MAX:
        raise DomainError("footage.caption_too_long", field="caption", max=CAPTION_MAX)
    # Counting and adding under one lock: two tabs cannot both take the 25th place.
    hold(session, slot_name("footage", f"recipient:{recipient_id}"))
    count = session.scalar(
        select(func.count())
        .select_from(FootageFile)
        .where(
            FootageFile.request_id == request_id,
            FootageFile.recipient_id == recipient_id,
            FootageFile.status.in_(COUNTED),
        )
    )
    if count >= settings.footage_max_files:
        raise DomainError("footage.too_many", max=settings.footage_max_files)
    row = FootageFile(
        request_id=request_id,
        recipient_id=recipient_id,
        owner_id=owner_id,
        uploaded_by_id=uploaded_by_id,
        upload_id=upload_id,
        original_name=clean_name(filename),
        caption=caption or None,
        size_bytes=size,
        status="receiving",
        created_at=now,
    )
    session.add(row)
    session.flush()
    return UploadAccepted(row.id, upload_id)


def check_upload(session: Session, settings, token: str, upload_id: str, now: datetime) -> None:
    """Refuse a later request of an upload unless its link still works and it is the link's."""
    link = live_upload_link(session, settings, token, now)
    row = _upload(session, upload_id)
    if row is None or row.recipient_id != link.recipient_id or row.status != "receiving":
        raise DomainError("footage.upload_unknown")


def _upload(session: Session, upload_id: str) -> FootageFile | None:
    return session.scalar(select(FootageFile).where(FootageFile.upload_id == upload_id))


@dataclass(frozen=True)
class _Examined:
    refusal: str | None
    kind: str | None
    media_type: str | None
    probe: Probe
    thumbnail: str | None


def _examine(part: str, name: str, scratch: str) -> _Examined:
    found = identify(part, name)
    if found.refusal:
        return _Examined(found.refusal, None, None, Probe(), None)
    facts = probe(part) if found.kind in ("video", "recorder") else Probe()
    kind = found.kind
    if kind == "video" and not facts.decodable:
        return _Examined("footage.refused.truncated", None, found.media_type, facts, None)
    if kind == "recorder" and facts.decodable:
        kind = "video"  # a raw stream FFmpeg reads: shown like any video (with a preview)
    thumbnail = os.path.join(scratch, "thumbnail.jpg")
    if kind == "image":
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(part) as image:
                image.thumbnail((480, 480))
                image.convert("RGB").save(thumbnail, "JPEG", quality=80)
                facts = Probe(width=image.width, height=image.height)
        except (UnidentifiedImageError, OSError):
            return _Examined("footage.refused.truncated", None, found.media_type, facts, None)
    elif kind == "recorder" or not write_thumbnail(part, thumbnail):
        thumbnail = None
    return _Examined(None, kind, found.media_type, facts, thumbnail)


def complete_upload(
    factory: sessionmaker[Session],
    settings,
    storage: FootageStorage,
    upload_id: str,
    part: str,
    sha256: str,
    now: datetime,
) -> Completion:
    """Identify, probe and store a complete upload, then record it (blocking: off the loop).

    Commits part-way: the bytes go to storage before the row says "received", so nobody is
    ever shown a file that is not there; a refused or duplicate file's bytes are deleted.
    """
    with factory() as session:
        row = _upload(session, upload_id)
        if row is None or row.status != "receiving":
            raise DomainError("footage.upload_unknown")
        file_id, request_id, name = row.id, row.request_id, row.original_name
        earlier = _same_bytes(session, request_id, sha256, file_id)
    if earlier is not None:
        _remove(part)
        return _finish_duplicate(factory, settings, file_id, earlier, now)
    with tempfile.TemporaryDirectory(prefix="camshare-footage-") as scratch:
        examined = _examine(part, name, scratch)
        if examined.refusal:
            _remove(part)
            return _finish_refused(factory, settings, file_id, examined.refusal, sha256, now)
        original_key, thumbnail_key = stored_keys(request_id, upload_id, name)
        if not examined.thumbnail:
            thumbnail_key = None
        storage.put_file(original_key, part, move=True)
        if examined.thumbnail:
            storage.put_file(thumbnail_key, examined.thumbnail, move=True)
    with factory() as session, session.begin():
        hold(session, slot_name("footage", f"request:{request_id}"))
        earlier = _same_bytes(session, request_id, sha256, file_id)
        if earlier is None:
            row = session.get(FootageFile, file_id)
            facts = examined.probe
            row.sha256 = sha256
            row.status = "received"
            row.kind = examined.kind
            row.media_type = (examined.media_type or "")[:100] or None
            row.container = facts.container
            row.video_codec = facts.video_codec
            row.duration_seconds = facts.duration_seconds
            row.width, row.height = facts.width, facts.height
            row.recorded_at = facts.recorded_at
            row.storage_key, row.thumbnail_key = original_key, thumbnail_key
            row.size_bytes = storage.size(original_key)
            row.received_at = now
            audit.record(
                session,
                _actor(row),
                "footage.received",
                f"footage:{row.id}",
                at=now,
                sha256=sha256,
                size=row.size_bytes,
                kind=row.kind,
            )
            # The slow and the batched work, in this same transaction: never lost.
            jobs.queue_receipt(session, settings, row, now)
            needs_preview = examined.kind == "video" and not facts.browser_playable
            if needs_preview:
                jobs.queue_preview(session, row, now)
            return Completion(file_id, "received", None, sha256, needs_preview=needs_preview)
    # Two tabs sent the same file at once: the other one was recorded first.
    for key in (original_key, thumbnail_key):
        if key:
            storage.delete(key)
    return _finish_duplicate(factory, settings, file_id, earlier, now)


def stored_keys(request_id: int, upload_id: str, name: str) -> tuple[str, str]:
    """Where a complete upload's original and its thumbnail are kept in storage."""
    extension = extension_of(name)
    base = f"request/{request_id}/{upload_id}"
    original = f"{base}/original" + (f".{extension}" if extension.isalnum() else "")
    return original, f"{base}/thumbnail.jpg"


def make_preview(
    factory: sessionmaker[Session], storage: FootageStorage, file_id: int, original=None
) -> bool | None:
    """Write the browser-playable MP4 of a received video (blocking, slow: the worker's).

    True when made; False when the video cannot be converted; None when there was nothing
    to do (deleted meanwhile, made already). ``original`` is a local copy of the original
    if the caller has one; otherwise it is read from storage into a temporary file first.
    """
    with factory() as session:
        row = session.get(FootageFile, file_id)
        if row is None or row.storage_key is None or row.preview_key:
            return None
        key = row.storage_key
    with tempfile.TemporaryDirectory(prefix="camshare-preview-") as scratch:
        source = original
        if source is None:
            source = os.path.join(scratch, "original")
            with storage.open(key) as stream, open(source, "wb") as copy:
                while piece := stream.read(4 * 1024 * 1024):
                    copy.write(piece)
        target = os.path.join(scratch, "preview.mp4")
        if not write_preview(source, target):
            return False
        preview_key = key.rsplit("/", 1)[0] + "/preview.mp4"
        storage.put_file(preview_key, target, move=True)
    with factory() as session, session.begin():
        row = session.get(FootageFile, file_id)
        if row is None or row.storage_key is None:
            storage.delete(preview_key)  # deleted meanwhile
            return None
        row.preview_key = preview_key
    return True


def _same_bytes(session: Session, request_id: int, sha256: str, file_id: int) -> int | None:
    return session.scalar(
        select(FootageFile.id).where(
            FootageFile.request_id == request_id,
            FootageFile.sha256 == sha256,
            FootageFile.id != file_id,
        )
    )


def _finish_refused(factory, settings, file_id: int, reason: str, sha256: str, now) -> Completion:
    with factory() as session, session.begin():
        row = session.get(FootageFile, file_id)
        row.status, row.refusal_reason, row.received_at = "refused", reason, now
        subject = f"footage:{row.id}"
        audit.record(session, _actor(row), "footage.refused", subject, at=now, reason=reason)
        audit.record(session, "system", "footage.deleted", subject, at=now, reason="refused")
    return Completion(file_id, "refused", reason, sha256)


def _finish_duplicate(factory, settings, file_id: int, earlier: int, now) -> Completion:
    reason = "footage.refused.duplicate"
    with factory() as session, session.begin():
        row = session.get(FootageFile, file_id)
        row.status, row.refusal_reason, row.received_at = "refused", reason, now
        audit.record(
            session,
            _actor(row),
            "footage.duplicate",
            f"footage:{earlier}",
            at=now,
            upload=row.id,
        )
    return Completion(file_id, "refused", reason, None, duplicate_of=earlier)


def _actor(row: FootageFile) -> str:
    if row.uploaded_by_id is not None:
        return f"staff:{row.uploaded_by_id}"
    return f"owner:{row.owner_id}"


def upload_link_sms(session: Session, settings, recipient_id: int, owner: Owner) -> None:
    """Text an owner who approved the link where they send their footage."""
    link = settings.links.footage_upload(upload_token(settings.secret_key, recipient_id))
    body = translate(
        owner.language,
        "sms.footage_link",
        program=settings.program(owner.language),
        days=settings.footage_link_days,
        link=link,
    )
    redacted = translate(
        owner.language,
        "sms.footage_link",
        program=settings.program(owner.language),
        days=settings.footage_link_days,
        link=settings.links.footage_upload("…"),
    )
    enqueue_sms(
        session,
        owner.phone_e164,
        body,
        "footage_link",
        owner.language,
        owner.id,
        redacted_body=redacted,
    )


def offer_upload_by_sms(session: Session, settings, request_id: int, owner: Owner) -> None:
    """After an owner approved by SMS: text them the link where they send their footage."""
    recipient = session.scalar(
        select(AccessRecipient).where(
            AccessRecipient.request_id == request_id, AccessRecipient.owner_id == owner.id
        )
    )
    if recipient is not None and recipient.answer == "approved":
        upload_link_sms(session, settings, recipient.id, owner)


def clean_incomplete(
    session: Session, settings, delete_part, now: datetime, storage: FootageStorage | None = None
) -> int:
    """Delete uploads left unfinished for ``footage_incomplete_hours``; how many went.

    ``delete_part(upload_id)`` removes a part's bytes and sidecar wherever they are. With
    ``storage``, what a completion that died half-way had already stored (its original
    moved in, the row never "received") is deleted too.
    """
    cutoff = now - timedelta(hours=settings.footage_incomplete_hours)
    rows = session.scalars(
        select(FootageFile).where(
            FootageFile.status == "receiving", FootageFile.created_at < cutoff
        )
    ).all()
    for row in rows:
        delete_part(row.upload_id)
        if storage is not None:
            for key in stored_keys(row.request_id, row.upload_id, row.original_name):
                storage.delete(key)
        row.status, row.deleted_at = "deleted", now
        audit.record(
            session, "system", "footage.deleted", f"footage:{row.id}", at=now, reason="incomplete"
        )
    return len(rows)


def _remove(path: str | Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


__all__ = [
    "Completion",
    "UploadAccepted",
    "UploadLink",
    "begin_upload",
    "check_upload",
    "clean_incomplete",
    "complete_upload",
    "make_preview",
    "offer_upload_by_sms",
    "upload_link_sms",
]

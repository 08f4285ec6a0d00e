"""The board's footage panel: each owner's files as they arrive, sent as changes only.

The panel asks every few seconds with the stamps of the rows it shows; the answer carries
only the rows whose stamp changed and the ids that went, so an open board costs one narrow
query per tick and no work in the page when nothing happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AccessRecipient, FootageFile
from camshare.services.footage.access import allowed, require
from camshare.services.footage.jobs import previews_pending
from camshare.services.footage.viewing import playable_key
from camshare.services.permissions import Actor

# What police see: never a file still arriving (nor one refused, whose bytes are gone).
SHOWN = ("received", "accepted", "declined", "deleted")


@dataclass(frozen=True)
class FootageRow:
    """One file as the panel shows it."""

    file_id: int
    recipient_id: int | None
    original_name: str
    caption: str | None
    status: str
    kind: str | None
    size_bytes: int
    duration_seconds: float | None
    width: int | None
    height: int | None
    received_at: datetime | None
    sha256: str | None
    has_thumbnail: bool
    playable: bool
    # The worker is still making its browser-playable copy ("preview being made").
    preview_pending: bool
    # Not playable in a browser and no preview coming: "needs the recorder's player".
    needs_player: bool
    hold_reason: str | None
    on_behalf: bool
    delete_after: datetime | None
    stamp: str


@dataclass(frozen=True)
class FootagePanel:
    """What changed since the stamps the panel holds, and what the member may do."""

    request_id: int
    may_download: bool
    may_triage: bool
    may_hold: bool
    may_export: bool
    may_grant: bool
    may_upload: bool
    changed: tuple[FootageRow, ...]
    gone: tuple[int, ...]
    # (recipient id, distance in m) of the owners who approved, for a pickup upload.
    pickup_for: tuple[tuple[int, int], ...] = ()


def _stamp(file: FootageFile, pending: bool) -> str:
    parts = (
        file.status,
        "m" if pending else "",
        file.caption or "",
        file.hold_reason or "",
        "t" if file.thumbnail_key else "",
        "p" if file.preview_key else "",
        file.delete_after.isoformat() if file.delete_after else "",
    )
    return "|".join(parts)


def _row(file: FootageFile, pending: bool) -> FootageRow:
    playable = file.status != "deleted" and playable_key(file) is not None
    return FootageRow(
        file_id=file.id,
        recipient_id=file.recipient_id,
        original_name=file.original_name,
        caption=file.caption,
        status=file.status,
        kind=file.kind,
        size_bytes=file.size_bytes,
        duration_seconds=file.duration_seconds,
        width=file.width,
        height=file.height,
        received_at=file.received_at,
        sha256=file.sha256,
        has_thumbnail=bool(file.thumbnail_key),
        playable=playable,
        preview_pending=pending,
        needs_player=file.status != "deleted"
        and file.kind in ("video", "recorder")
        and not playable
        and not pending,
        hold_reason=file.hold_reason,
        on_behalf=file.uploaded_by_id is not None,
        delete_after=file.delete_after,
        stamp=_stamp(file, pending),
    )


def footage_panel(
    session: Session, actor: Actor, request_id: int, known: dict[int, str] | None = None
) -> FootagePanel:
    """The request's files that differ from ``known`` (file id -> stamp; empty: all)."""
    known = known or {}
    request, access = require(session, actor, request_id, "view")
    files = session.scalars(
        select(FootageFile)
        .where(FootageFile.request_id == request.id, FootageFile.status.in_(SHOWN))
        .order_by(FootageFile.received_at, FootageFile.id)
    ).all()
    pending = previews_pending(
        session, (f.id for f in files if f.kind == "video" and not f.preview_key)
    )
    changed = tuple(
        _row(f, f.id in pending) for f in files if known.get(f.id) != _stamp(f, f.id in pending)
    )
    may_upload = allowed(access, actor, "upload_on_behalf") and request.status == "open"
    pickup_for = ()
    if may_upload and not known:
        pickup_for = tuple(
            (recipient_id, round(distance))
            for recipient_id, distance in session.execute(
                select(AccessRecipient.id, AccessRecipient.distance_m)
                .where(
                    AccessRecipient.request_id == request.id,
                    AccessRecipient.answer == "approved",
                )
                .order_by(AccessRecipient.distance_m)
            )
        )
    present = {f.id for f in files}
    return FootagePanel(
        request_id=request.id,
        may_download=allowed(access, actor, "download"),
        may_triage=allowed(access, actor, "triage"),
        may_hold=allowed(access, actor, "hold"),
        may_export=allowed(access, actor, "export"),
        may_grant=allowed(access, actor, "grant"),
        may_upload=may_upload,
        changed=changed,
        gone=tuple(i for i in known if i not in present),
        pickup_for=pickup_for,
    )

"""The case file: one archive per request, streamed, never built in memory.

It holds each accepted file bit for bit, a ``.sha256`` beside each (the hash the server
computed as the bytes arrived, in ``sha256sum`` format), a manifest in JSON and CSV, and a
chain-of-custody PDF in the officer's language listing each file's hash and every event
on it: the audit log's ``footage:<id>`` entries are the custody record, there is no other.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.i18n import translate
from camshare.models import AccessRequest, AuditEvent, FootageFile, StaffUser, utcnow
from camshare.services import audit
from camshare.services.access.request_texts import format_moment
from camshare.services.errors import DomainError
from camshare.services.footage.access import require
from camshare.services.outreach.csv_export import safe_cell
from camshare.services.outreach.flyers import _latin1
from camshare.services.permissions import Actor

CHUNK = 1024 * 1024
MANIFEST_FIELDS = (
    "file_id",
    "archive_name",
    "original_name",
    "sha256",
    "size_bytes",
    "media_type",
    "kind",
    "duration_seconds",
    "recorded_at",
    "received_at",
    "status",
    "triaged_at",
    "uploaded_on_behalf",
    "caption",
)


@dataclass(frozen=True)
class CustodyEvent:
    """One entry of a file's custody record."""

    at: datetime
    actor: str
    action: str
    ip_address: str | None


@dataclass(frozen=True)
class ExportedFile:
    """One original in the archive."""

    file_id: int
    archive_name: str
    storage_key: str
    sha256: str
    size_bytes: int
    manifest: dict
    events: tuple[CustodyEvent, ...]


@dataclass(frozen=True)
class ExportPlan:
    """Everything the archive holds but the originals' bytes, which are read as it streams."""

    request_id: int
    case_number: str
    filename: str
    files: tuple[ExportedFile, ...]
    manifest_json: bytes
    manifest_csv: bytes
    custody_pdf: bytes


def _archive_name(file: FootageFile) -> str:
    # The id first: two owners' "clip.mp4" stay apart, and no name can climb out of the folder.
    name = "".join(ch for ch in (file.original_name or "") if ch.isalnum() or ch in "._- ")
    name = re.sub(r"\.{2,}", ".", name).strip(". ")
    return f"footage/{file.id:06d}-{name or 'file'}"


def custody_events(session: Session, file_ids: list[int]) -> dict[int, list[CustodyEvent]]:
    """Every audit event on each file, oldest first."""
    found: dict[int, list[CustodyEvent]] = {i: [] for i in file_ids}
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject.in_([f"footage:{i}" for i in file_ids]))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    for event in rows:
        file_id = int(event.subject.split(":", 1)[1])
        found[file_id].append(CustodyEvent(event.at, event.actor, event.action, event.ip_address))
    return found


def plan_export(
    session: Session,
    actor: Actor,
    request_id: int,
    settings,
    language: str = "en",
    now: datetime | None = None,
) -> ExportPlan:
    """What the case-file archive of a request holds (its accepted files); audited."""
    now = now or utcnow()
    request, _access = require(session, actor, request_id, "export")
    files = session.scalars(
        select(FootageFile)
        .where(
            FootageFile.request_id == request.id,
            FootageFile.status == "accepted",
            FootageFile.storage_key.is_not(None),
        )
        .order_by(FootageFile.id)
    ).all()
    if not files:
        raise DomainError("custody.error.nothing_to_export")
    # The export is an event on the request and on each file it carries.
    audit.record(
        session,
        actor.audit_name,
        "footage.exported",
        f"request:{request.id}",
        actor.ip_address,
        at=now,
        file_ids=[f.id for f in files],
    )
    for file in files:
        audit.record(
            session,
            actor.audit_name,
            "footage.exported",
            f"footage:{file.id}",
            actor.ip_address,
            at=now,
            request_id=request.id,
        )
    session.flush()
    events = custody_events(session, [f.id for f in files])
    exported = tuple(
        ExportedFile(
            f.id,
            _archive_name(f),
            f.storage_key,
            f.sha256,
            f.size_bytes,
            _manifest_row(f),
            tuple(events[f.id]),
        )
        for f in files
    )
    author = session.get(StaffUser, request.created_by_id)
    manifest = {
        "request_id": request.id,
        "case_number": request.case_number,
        "requested_by": author.username if author else None,
        "exported_by": actor.username,
        "exported_at": now.isoformat(),
        "agency": settings.agency_name,
        "files": [f.manifest | {"archive_name": f.archive_name} for f in exported],
    }
    safe_case = "".join(ch for ch in request.case_number if ch.isalnum() or ch in "-_") or "case"
    return ExportPlan(
        request.id,
        request.case_number,
        f"camshare-{safe_case}-footage.zip",
        exported,
        json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"),
        _manifest_csv(exported),
        custody_pdf(request, exported, actor, settings, language, now),
    )


def _manifest_row(file: FootageFile) -> dict:
    return {
        "file_id": file.id,
        "original_name": file.original_name,
        "sha256": file.sha256,
        "size_bytes": file.size_bytes,
        "media_type": file.media_type,
        "kind": file.kind,
        "duration_seconds": file.duration_seconds,
        "recorded_at": file.recorded_at.isoformat() if file.recorded_at else None,
        "received_at": file.received_at.isoformat() if file.received_at else None,
        "status": file.status,
        "triaged_at": file.triaged_at.isoformat() if file.triaged_at else None,
        "uploaded_on_behalf": file.uploaded_by_id is not None,
        "caption": file.caption,
    }


def _manifest_csv(files: tuple[ExportedFile, ...]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(MANIFEST_FIELDS)
    for file in files:
        row = file.manifest | {"archive_name": file.archive_name}
        writer.writerow([safe_cell("" if row[k] is None else str(row[k])) for k in MANIFEST_FIELDS])
    return out.getvalue().encode("utf-8-sig")


def custody_pdf(
    request: AccessRequest,
    files: tuple[ExportedFile, ...],
    actor: Actor,
    settings,
    language: str,
    now: datetime,
) -> bytes:
    """The chain-of-custody report: per file its hash and every event, oldest first."""

    def t(key: str, **values: object) -> str:
        return _latin1(translate(language, key, **values))

    pdf = FPDF(orientation="portrait", unit="pt", format="letter")
    pdf.set_creator("camshare")
    pdf.set_author(_latin1(settings.agency(language)))
    pdf.set_title(t("custody.pdf_title", case=request.case_number))
    pdf.set_margins(40, 40, 40)
    pdf.set_auto_page_break(True, 40)
    pdf.add_page()
    width = pdf.w - 80

    def line(text: str, size: float = 10, style: str = "", font: str = "Helvetica") -> None:
        pdf.set_font(font, style, size)
        pdf.multi_cell(width, size * 1.3, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(t("custody.pdf_title", case=request.case_number), 16, "B")
    line(_latin1(settings.agency(language)), 11)
    line(
        t(
            "custody.pdf_exported",
            who=actor.username,
            when=format_moment(now, language, settings),
        )
    )
    line(t("custody.pdf_lead"), 9)
    for file in files:
        pdf.ln(8)
        line(f"{file.archive_name}", 11, "B")
        line(t("custody.pdf_size", size=file.size_bytes))
        line("SHA-256:", 10, "B")
        line(file.sha256, 9, "", "Courier")
        for event in file.events:
            label = translate(language, f"custody.action.{event.action}")
            line(
                _latin1(
                    f"{format_moment(event.at, language, settings)}  {label}  "
                    f"{event.actor}  {event.ip_address or ''}"
                ),
                9,
            )
    return bytes(pdf.output())


class _Pipe(io.RawIOBase):
    """A write-only stream whose bytes are taken out as the zip writer produces them."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


def stream_archive(plan: ExportPlan, storage) -> Iterator[bytes]:
    """The zip, chunk by chunk: the originals are read from storage a megabyte at a time."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:

        def small(name: str, data: bytes) -> Iterator[bytes]:
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
            yield pipe.take()

        yield from small("manifest.json", plan.manifest_json)
        yield from small("manifest.csv", plan.manifest_csv)
        yield from small("chain-of-custody.pdf", plan.custody_pdf)
        for file in plan.files:
            info = zipfile.ZipInfo(file.archive_name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.file_size = file.size_bytes
            with (
                storage.open(file.storage_key) as source,
                archive.open(info, "w", force_zip64=file.size_bytes >= 2**31) as target,
            ):
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield pipe.take()
            yield pipe.take()
            name = file.archive_name.rsplit("/", 1)[1]
            yield from small(f"{file.archive_name}.sha256", f"{file.sha256}  {name}\n".encode())
    yield pipe.take()

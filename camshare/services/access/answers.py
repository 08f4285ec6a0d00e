"""Owners answering a request: from their SMS link or by replying YES/NO with the code.

The link's token is the owner's only key, so it must be unguessable (192 bits), stored
as a hash and good only while the request is open. Opening the page records "opened"
and nothing else: link previewers fetch URLs on their own, so only a button press (or
a reply) answers. The owner may change their answer until the request closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from camshare.models import AccessRecipient, AccessRequest, Camera, Owner, Site, utcnow
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.tokens import token_hash
from camshare.vocabulary import ANSWERS

NOTE_MAX = 500


@dataclass(frozen=True)
class ConcernedCameras:
    """One of the owner's locations inside the request's circle, with its cameras."""

    address_line: str
    cameras: tuple[tuple[str, int, str], ...]  # (kind, count, faces)
    city: str | None = None
    state: str | None = None
    lat: float = 0.0
    lon: float = 0.0


@dataclass(frozen=True)
class OwnerRequestView:
    """What the owner's page shows: the request, their cameras concerned, their answer."""

    language: str
    case_number: str
    incident_type: str
    emergency: bool
    block: str
    lat: float
    lon: float
    window_start: datetime
    window_end: datetime
    expires_at: datetime
    message: str
    reply_code: str
    answer: str | None
    note: str | None
    locations: tuple[ConcernedCameras, ...]


@dataclass(frozen=True)
class RecordedAnswer:
    """An answer pressed on the owner's page, as recorded: all a press changes on it."""

    recipient_id: int
    answer: str
    note: str | None


def open_request_link(
    session: Session, token: str, now: datetime | None = None
) -> OwnerRequestView:
    """The request behind ``token``; records the first opening. Invalid links reveal nothing."""
    now = now or utcnow()
    recipient, request = _live_recipient(session, token, now)
    if recipient.opened_at is None:
        recipient.opened_at = now
        audit.record(
            session, f"owner:{recipient.owner_id}", "request.opened", f"request:{request.id}"
        )
    return _view(session, recipient, request)


def answer_by_link(
    session: Session,
    token: str,
    answer: str,
    note: str = "",
    *,
    ip_address: str | None = None,
    now: datetime | None = None,
) -> RecordedAnswer:
    """Record the owner's answer pressed on their page (a later press replaces it).

    Only the answer comes back: the request and the owner's cameras, shown since the page
    opened, have not changed (three statements: the link's row, the answer, its audit).
    """
    now = now or utcnow()
    recipient, request = _live_recipient(session, token, now)
    _answer(session, recipient, request, answer, note, "link", ip_address, now)
    return RecordedAnswer(recipient.id, recipient.answer, recipient.note)


def answer_by_reply(
    session: Session, phone_e164: str, answer: str, reply_code: str, now: datetime | None = None
) -> AccessRequest:
    """Record an answer sent by SMS ("YES K7P3"); the number must be a recipient's."""
    now = now or utcnow()
    row = session.execute(
        select(AccessRecipient, AccessRequest)
        .join(AccessRequest, AccessRequest.id == AccessRecipient.request_id)
        .join(Owner, Owner.id == AccessRecipient.owner_id)
        .where(
            AccessRequest.reply_code == reply_code.strip().upper(),
            Owner.phone_e164 == phone_e164,
        )
    ).first()
    if row is None or row[1].sent_at is None:
        raise DomainError("answer.unknown_code", code=reply_code.strip().upper())
    recipient, request = row
    if not _is_open(request, now):
        raise DomainError("answer.closed")
    _answer(session, recipient, request, answer, None, "sms", None, now)
    return request


def _answer(
    session: Session,
    recipient: AccessRecipient,
    request: AccessRequest,
    answer: str,
    note: str | None,
    via: str,
    ip_address: str | None,
    now: datetime,
) -> None:
    if answer not in ANSWERS:
        raise DomainError("answer.choose")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise DomainError("answer.note_too_long", field="note", max=NOTE_MAX)
    previous = recipient.answer
    recipient.answer = answer
    recipient.answered_at = now
    recipient.answered_via = via
    if note or via == "link":
        recipient.note = note or None
    if recipient.opened_at is None and via == "link":
        recipient.opened_at = now
    audit.record(
        session,
        f"owner:{recipient.owner_id}",
        "request.answered",
        f"request:{request.id}",
        ip_address,
        answer=answer,
        previous=previous,
        via=via,
    )


def recipient_for_link(
    session: Session, token: str, now: datetime
) -> tuple[AccessRecipient, AccessRequest]:
    """The recipient and request behind an answer link that works now (else a DomainError)."""
    return _live_recipient(session, token, now)


def _is_open(request: AccessRequest, now: datetime) -> bool:
    return request.status == "open" and request.expires_at is not None and now < request.expires_at


# The statements of every page load and Approve, built once: a storm of answers would
# otherwise spend more on building and keying them than the database spends on running them.
_BY_LINK = (
    select(AccessRecipient, AccessRequest)
    .join(AccessRequest, AccessRequest.id == AccessRecipient.request_id)
    .where(AccessRecipient.token_sha256 == bindparam("token_sha256"))
)


def _live_recipient(
    session: Session, token: str, now: datetime
) -> tuple[AccessRecipient, AccessRequest]:
    # Tokens are long and random; anything else is refused without a query.
    if not token or len(token) < 20 or len(token) > 64:
        raise DomainError("answer.link_invalid")
    row = session.execute(_BY_LINK, {"token_sha256": token_hash(token)}).first()
    if row is None or row[1].sent_at is None:
        raise DomainError("answer.link_invalid")
    if not _is_open(row[1], now):
        raise DomainError("answer.closed")
    return row[0], row[1]


# The owner's locations concerned, each with its cameras (an outer join: one row without
# camera for a location that has none), and the owner's language: one statement.
_CONCERNED = (
    select(
        Site.id,
        Site.address_line,
        Site.city,
        Site.state,
        Site.lat,
        Site.lon,
        Camera.camera_kind,
        Camera.count,
        Camera.faces,
    )
    .outerjoin(Camera, Camera.site_id == Site.id)
    .where(Site.id.in_(bindparam("site_ids", expanding=True)))
    .order_by(Site.id, Camera.id)
)
_OWNER_LANGUAGE = select(Owner.language).where(Owner.id == bindparam("owner_id"))


def _view(session: Session, recipient: AccessRecipient, request: AccessRequest) -> OwnerRequestView:
    site_ids = recipient.site_ids.get("ids", [])
    # Core rows, not ORM entities: a page load reads them once and changes nothing.
    locations: dict[int, tuple[tuple, list[tuple[str, int, str]]]] = {}
    if site_ids:
        for site_id, line, city, state, lat, lon, *camera in session.execute(
            _CONCERNED, {"site_ids": site_ids}
        ):
            place = locations.setdefault(site_id, ((line, city, state, lat, lon), []))
            if camera[0] is not None:
                place[1].append(tuple(camera))
    language = (
        session.scalar(_OWNER_LANGUAGE, {"owner_id": recipient.owner_id})
        if recipient.owner_id
        else None
    )
    return OwnerRequestView(
        language=language or "en",
        case_number=request.case_number,
        incident_type=request.incident_type,
        emergency=request.emergency,
        block=request.block_label,
        lat=request.lat,
        lon=request.lon,
        window_start=request.window_start,
        window_end=request.window_end,
        expires_at=request.expires_at,
        message=request.message,
        reply_code=request.reply_code,
        answer=recipient.answer,
        note=recipient.note,
        locations=tuple(
            ConcernedCameras(line, tuple(cameras), city, state, lat, lon)
            for (line, city, state, lat, lon), cameras in locations.values()
        ),
    )

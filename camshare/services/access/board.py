"""What police see of a request: its recipients' states, live, and approved owners' details.

Owners stay anonymous on the board (a distance and their cameras) until they approve;
then the requesting officer and supervisors may reveal their name, phone and note, and
each reveal is written to the audit log.

A board open on several officers' screens is asked every second whether anything changed:
one grouped query over the request's recipients gives both the counts and a version of
the board, and only when that version moves is the shown page (``BOARD_PAGE_SIZE`` rows)
read again. So an idle board costs one small query per officer per second, whatever the
number of recipients, and a busy one costs a page, not the whole list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from camshare.models import (
    AccessRecipient,
    AccessRequest,
    Camera,
    OutboxMessage,
    Owner,
    StaffUser,
)
from camshare.services import audit
from camshare.services.access.requests import visible_request
from camshare.services.errors import DomainError
from camshare.services.permissions import Actor, authorize, may
from camshare.services.phones import display_phone

RECIPIENT_STATES = (
    "pending",
    "queued",
    "sent",
    "delivered",
    "failed",
    "not_sent",
    "opened",
    "approved",
    "declined",
    "no_answer",
)


# Rows per page of the board: about two screens of a laptop, and all of a small request.
BOARD_PAGE_SIZE = 50


@dataclass(frozen=True)
class RecipientRow:
    """One owner asked, without their identity."""

    recipient_id: int
    state: str
    distance_m: int
    locations: int
    cameras: int
    answered_at: datetime | None
    error_code: str | None
    # Opened their link, or answered: an answer means the request reached them.
    opened: bool = False


@dataclass(frozen=True)
class RequestSummary:
    """A request as lists show it."""

    request_id: int
    case_number: str
    incident_type: str
    emergency: bool
    status: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    radius_m: int
    block: str
    recipients: int
    approved: int


@dataclass(frozen=True)
class RequestBoard:
    """A request and each of its recipients' states."""

    summary: RequestSummary
    window_start: datetime
    window_end: datetime
    message: str
    lat: float
    lon: float
    reply_code: str
    decision_note: str | None
    can_approve: bool
    can_close: bool
    # The shown page of recipients, nearest first; the counts are over all of them.
    rows: tuple[RecipientRow, ...]
    counts: BoardCounts
    page: int = 0
    pages: int = 1

    def count(self, state: str) -> int:
        """How many recipients are in ``state``."""
        return self.counts.states.get(state, 0)

    @property
    def opened(self) -> int:
        """How many recipients opened their link or answered (an answer implies it was seen)."""
        return self.counts.opened

    @property
    def version(self) -> str:
        """Changes whenever any recipient's state, or the request's, changes."""
        return self.counts.version


@dataclass(frozen=True)
class BoardCounts:
    """How many recipients are in each state, and a version that moves with any change."""

    states: dict[str, int]
    opened: int
    total: int
    version: str


@dataclass(frozen=True)
class OwnerContact:
    """An approving owner's details, for the officer to arrange the footage."""

    name: str
    business_name: str | None
    phone_e164: str
    note: str | None
    phone_display: str = ""


def recipient_state(request: AccessRequest, recipient: AccessRecipient, message) -> str:
    """Where one recipient stands: their answer first, then what is known of their SMS."""
    return _state_of(
        request,
        recipient.answer,
        recipient.opened_at is not None,
        None if message is None else message.status,
        None if message is None else message.provider_status,
    )


def _state_of(
    request: AccessRequest,
    answer: str | None,
    opened: bool,
    message_status: str | None,
    provider_status: str | None,
) -> str:
    if answer:
        return answer
    if request.status in ("closed",) and request.sent_at is not None:
        return "no_answer"
    if opened:
        return "opened"
    if request.sent_at is None:
        return "pending"
    if message_status is None:
        return "not_sent"
    if message_status in ("failed", "expired", "suppressed"):
        return "failed"
    if message_status in ("queued", "sending"):
        return "queued"
    if provider_status in ("delivered", "read"):
        return "delivered"
    return "sent"


def board_counts(session: Session, request: AccessRequest) -> BoardCounts:
    """The recipients of ``request`` counted by state, in one grouped query.

    The groups (answer, opened, message status) with the latest answer, opening and send
    are the board's version: any recipient moving to another state moves a count, and an
    owner changing their answer moves the latest answer time.
    """
    groups = session.execute(
        select(
            AccessRecipient.answer,
            AccessRecipient.opened_at.is_not(None),
            OutboxMessage.status,
            OutboxMessage.provider_status,
            func.count(),
            func.max(AccessRecipient.answered_at),
            func.max(AccessRecipient.opened_at),
            func.max(OutboxMessage.sent_at),
        )
        .outerjoin(OutboxMessage, OutboxMessage.id == AccessRecipient.outbox_message_id)
        .where(AccessRecipient.request_id == request.id)
        .group_by(
            AccessRecipient.answer,
            AccessRecipient.opened_at.is_not(None),
            OutboxMessage.status,
            OutboxMessage.provider_status,
        )
    ).all()
    states = dict.fromkeys(RECIPIENT_STATES, 0)
    opened = total = 0
    for answer, was_opened, status, provider_status, count, *_ in groups:
        states[_state_of(request, answer, bool(was_opened), status, provider_status)] += count
        total += count
        if was_opened or answer is not None:
            opened += count
    version = repr(
        (
            request.status,
            request.expires_at,
            request.decision_note,
            sorted(tuple(map(str, group)) for group in groups),
        )
    )
    return BoardCounts(states, opened, total, version)


def list_requests(session: Session, actor: Actor, limit: int = 100) -> list[RequestSummary]:
    """Newest requests first: one's own, or all for supervisors."""
    authorize(actor, "request.view")
    query = select(AccessRequest).order_by(AccessRequest.id.desc()).limit(limit)
    if not may(actor.role, "request.view_all"):
        query = query.where(AccessRequest.created_by_id == actor.user_id)
    requests = session.scalars(query.options(selectinload(AccessRequest.recipients))).all()
    # Authors in one query, not one per request.
    authors = dict(
        session.execute(
            select(StaffUser.id, StaffUser.display_name).where(
                StaffUser.id.in_({r.created_by_id for r in requests})
            )
        ).all()
    )
    return [_summary(session, r, author=authors.get(r.created_by_id, "")) for r in requests]


def waiting_for_approval(session: Session, actor: Actor) -> int:
    """How many requests wait for a supervisor (0 for those who cannot approve)."""
    if not may(actor.role, "request.approve"):
        return 0
    return session.scalar(
        select(func.count(AccessRequest.id)).where(AccessRequest.status == "awaiting_approval")
    )


def board_update(
    session: Session, actor: Actor, request_id: int, since: str, page: int = 0
) -> RequestBoard | None:
    """The board again if anything changed since version ``since``; None if nothing did."""
    request = visible_request(session, actor, request_id)
    counts = board_counts(session, request)
    if counts.version == since:
        return None
    return _board(session, actor, request, counts, page)


def request_board(
    session: Session, actor: Actor, request_id: int, now: datetime | None = None, page: int = 0
) -> RequestBoard:
    """The live board of one request: its counts, and page ``page`` of its recipients."""
    request = visible_request(session, actor, request_id)
    return _board(session, actor, request, board_counts(session, request), page)


def _board(
    session: Session, actor: Actor, request: AccessRequest, counts: BoardCounts, page: int
) -> RequestBoard:
    pages = max(1, -(-counts.total // BOARD_PAGE_SIZE))
    page = min(max(0, page), pages - 1)
    rows = session.execute(
        select(AccessRecipient, OutboxMessage)
        .outerjoin(OutboxMessage, OutboxMessage.id == AccessRecipient.outbox_message_id)
        .where(AccessRecipient.request_id == request.id)
        .order_by(AccessRecipient.distance_m, AccessRecipient.id)
        .limit(BOARD_PAGE_SIZE)
        .offset(page * BOARD_PAGE_SIZE)
    ).all()
    site_ids = [i for recipient, _ in rows for i in recipient.site_ids.get("ids", [])]
    cameras_at = dict(
        session.execute(
            select(Camera.site_id, func.sum(Camera.count))
            .where(Camera.site_id.in_(site_ids))
            .group_by(Camera.site_id)
        ).all()
    )
    own = request.created_by_id == actor.user_id
    return RequestBoard(
        summary=_summary(session, request, counts=counts),
        window_start=request.window_start,
        window_end=request.window_end,
        message=request.message,
        lat=request.lat,
        lon=request.lon,
        reply_code=request.reply_code,
        decision_note=request.decision_note,
        can_approve=request.status == "awaiting_approval"
        and may(actor.role, "request.approve")
        and not own,
        can_close=request.status in ("open", "awaiting_approval")
        and may(actor.role, "request.close"),
        rows=tuple(
            RecipientRow(
                recipient_id=recipient.id,
                state=recipient_state(request, recipient, message),
                distance_m=round(recipient.distance_m),
                locations=len(recipient.site_ids.get("ids", [])),
                cameras=int(sum(cameras_at.get(i, 0) for i in recipient.site_ids.get("ids", []))),
                answered_at=recipient.answered_at,
                error_code=message.error_code if message is not None else None,
                opened=recipient.opened_at is not None or recipient.answer is not None,
            )
            for recipient, message in rows
        ),
        counts=counts,
        page=page,
        pages=pages,
    )


def reveal_owner(
    session: Session,
    actor: Actor,
    request_id: int,
    recipient_id: int,
    now: datetime | None = None,
) -> OwnerContact:
    """An approving owner's name, phone and note; every call is audited."""
    authorize(actor, "owner.reveal")
    request = visible_request(session, actor, request_id)
    recipient = session.get(AccessRecipient, recipient_id)
    if recipient is None or recipient.request_id != request.id:
        raise DomainError("request.error.not_found")
    if recipient.answer != "approved" or recipient.owner_id is None:
        raise DomainError("request.error.not_approved")
    owner = session.get(Owner, recipient.owner_id)
    audit.record(
        session,
        actor.audit_name,
        "owner.revealed",
        f"owner:{owner.id}",
        actor.ip_address,
        request_id=request.id,
        recipient_id=recipient.id,
    )
    return OwnerContact(
        owner.full_name,
        owner.business_name,
        owner.phone_e164,
        recipient.note,
        display_phone(owner.phone_e164),
    )


def _summary(
    session: Session,
    request: AccessRequest,
    author: str | None = None,
    counts: BoardCounts | None = None,
) -> RequestSummary:
    if counts is not None:
        recipients, approved = counts.total, counts.states["approved"]
    else:
        recipients = len(request.recipients)
        approved = sum(1 for r in request.recipients if r.answer == "approved")
    if author is None:
        user = session.get(StaffUser, request.created_by_id)
        author = user.display_name if user else ""
    return RequestSummary(
        request_id=request.id,
        case_number=request.case_number,
        incident_type=request.incident_type,
        emergency=request.emergency,
        status=request.status,
        created_by=author,
        created_at=request.created_at,
        expires_at=request.expires_at,
        radius_m=request.radius_m,
        block=request.block_label,
        recipients=recipients,
        approved=approved,
    )


@dataclass(frozen=True)
class RequestList:
    """The requests page: the requests the member may see, and how many wait for approval."""

    requests: tuple[RequestSummary, ...]
    waiting: int


def request_list(session: Session, actor: Actor) -> RequestList:
    """What the requests page shows (``list_requests`` and ``waiting_for_approval``)."""
    return RequestList(tuple(list_requests(session, actor)), waiting_for_approval(session, actor))

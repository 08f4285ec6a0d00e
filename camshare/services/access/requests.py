"""Police access requests: search, create, approve or reject, send, close and expire.

A request asks the owners of eligible cameras near an incident for footage. Creating it
writes one recipient per owner (however many of their cameras match). Non-emergency
requests wait for a supervisor (not their author); emergencies go out at once and
supervisors are told. Sending writes one outbox SMS per recipient in the same
transaction, each with a link of its own whose token is stored only as a hash.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from camshare.models import AccessRecipient, AccessRequest, Owner, Site, StaffUser, utcnow
from camshare.services import audit
from camshare.services.access import messages
from camshare.services.access.guardrails import RequestDraft, check_draft, is_emergency
from camshare.services.access.nearby import NearbySite, find_sites_near
from camshare.services.access.request_texts import OwnerSite, describe_place, request_sms
from camshare.services.errors import DomainError
from camshare.services.messaging.outbox import enqueue_sms
from camshare.services.outreach.campaigns import CODE_ALPHABET
from camshare.services.permissions import Actor, Forbidden, authorize, may
from camshare.services.tokens import new_token, token_hash
from camshare.settings import Settings

REPLY_CODE_LENGTH = 4


@dataclass(frozen=True)
class CreatedRequest:
    """What the officer is told after creating a request."""

    request_id: int
    status: str
    recipients: int


def preview_request(
    session: Session,
    actor: Actor,
    draft: RequestDraft,
    settings: Settings,
    now: datetime | None = None,
) -> list[NearbySite]:
    """The eligible locations a request would reach; the search itself is audited."""
    authorize(actor, "request.search")
    now = now or utcnow()
    check_draft(draft, settings, now)
    sites = find_sites_near(session, draft.lat, draft.lon, draft.radius_m)
    audit.record(
        session,
        actor.audit_name,
        "request.searched",
        ip_address=actor.ip_address,
        case_number=draft.case_number.strip(),
        incident_type=draft.incident_type,
        lat=round(draft.lat, 5),
        lon=round(draft.lon, 5),
        radius_m=draft.radius_m,
        found=len(sites),
    )
    return sites


def create_request(
    session: Session,
    actor: Actor,
    draft: RequestDraft,
    excluded_site_ids: set[int] | frozenset[int],
    settings: Settings,
    now: datetime | None = None,
) -> CreatedRequest:
    """Create a request for the eligible locations in its circle, minus those unticked.

    The search is run again here: what the officer's page listed is never trusted.
    """
    authorize(actor, "request.create")
    now = now or utcnow()
    check_draft(draft, settings, now)
    sites = [
        site
        for site in find_sites_near(session, draft.lat, draft.lon, draft.radius_m)
        if site.site_id not in excluded_site_ids
    ]
    if not sites:
        raise DomainError("request.error.no_locations")
    emergency = is_emergency(settings, draft.incident_type)
    request = AccessRequest(
        reply_code=_unused_reply_code(session),
        case_number=draft.case_number.strip(),
        incident_type=draft.incident_type,
        emergency=emergency,
        lat=draft.lat,
        lon=draft.lon,
        address_text=draft.address_text,
        block_label=draft.block or draft.zip_code or "",
        zip_code=draft.zip_code,
        window_start=draft.window_start,
        window_end=draft.window_end,
        radius_m=draft.radius_m,
        message=messages.encode(
            messages.OfficerMessage(
                draft.message_template, tuple(sorted(draft.message_blanks)), draft.message.strip()
            )
        ),
        status="awaiting_approval",
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(request)
    by_owner: dict[int, list[NearbySite]] = {}
    for site in sites:
        by_owner.setdefault(site.owner_id, []).append(site)
    for owner_id, owner_sites in by_owner.items():
        session.add(
            AccessRecipient(
                request=request,
                owner_id=owner_id,
                site_ids={"ids": [s.site_id for s in owner_sites]},
                distance_m=round(min(s.distance_m for s in owner_sites), 1),
                # Replaced when the request is sent; until then no link exists at all.
                token_sha256=token_hash(new_token()),
            )
        )
    session.flush()
    audit.record(
        session,
        actor.audit_name,
        "request.created",
        subject=f"request:{request.id}",
        ip_address=actor.ip_address,
        case_number=request.case_number,
        incident_type=request.incident_type,
        emergency=emergency,
        radius_m=request.radius_m,
        locations=len(sites),
        owners=len(by_owner),
        excluded=len(excluded_site_ids),
    )
    if emergency:
        _send(session, request, settings, now)
        _tell_supervisors_of_emergency(session, request, actor, settings)
    elif not settings.request_needs_approval:
        _send(session, request, settings, now)
    return CreatedRequest(request.id, request.status, len(by_owner))


def approve_request(
    session: Session, actor: Actor, request_id: int, settings: Settings, now: datetime | None = None
) -> None:
    """A supervisor approves a waiting request: it is sent at once."""
    authorize(actor, "request.approve")
    request = _waiting_request(session, actor, request_id)
    now = now or utcnow()
    request.decided_by_id, request.decided_at = actor.user_id, now
    audit.record(
        session, actor.audit_name, "request.approved", f"request:{request.id}", actor.ip_address
    )
    _send(session, request, settings, now)


def reject_request(
    session: Session, actor: Actor, request_id: int, note: str, now: datetime | None = None
) -> None:
    """A supervisor turns a waiting request down, saying why; nothing is sent."""
    authorize(actor, "request.approve")
    request = _waiting_request(session, actor, request_id)
    note = note.strip()
    if not note:
        raise DomainError("request.error.reason_required", field="decision_note")
    now = now or utcnow()
    request.status = "rejected"
    request.decided_by_id, request.decided_at = actor.user_id, now
    request.decision_note = note[:500]
    request.closed_at, request.close_reason = now, "rejected"
    audit.record(
        session,
        actor.audit_name,
        "request.rejected",
        f"request:{request.id}",
        actor.ip_address,
        note=request.decision_note,
    )


def close_request(
    session: Session, actor: Actor, request_id: int, now: datetime | None = None
) -> None:
    """Close a request by hand: links stop working and answers are refused from now on."""
    authorize(actor, "request.close")
    request = visible_request(session, actor, request_id)
    if request.status not in ("open", "awaiting_approval"):
        raise DomainError("request.error.not_open")
    now = now or utcnow()
    request.status = "closed" if request.status == "open" else "withdrawn"
    request.closed_at, request.closed_by_id, request.close_reason = now, actor.user_id, "closed"
    audit.record(
        session, actor.audit_name, "request.closed", f"request:{request.id}", actor.ip_address
    )


def expire_due_requests(session: Session, now: datetime | None = None) -> int:
    """Close every open request past its expiry; returns how many (the worker's job)."""
    now = now or utcnow()
    due = session.scalars(
        select(AccessRequest).where(AccessRequest.status == "open", AccessRequest.expires_at <= now)
    ).all()
    for request in due:
        request.status = "closed"
        request.closed_at, request.close_reason = now, "expired"
        audit.record(session, "system", "request.expired", f"request:{request.id}")
    return len(due)


def visible_request(session: Session, actor: Actor, request_id: int) -> AccessRequest:
    """The request if ``actor`` may see it: their own, or any for supervisors."""
    authorize(actor, "request.view")
    request = session.get(AccessRequest, request_id)
    if request is None:
        raise DomainError("request.error.not_found")
    if request.created_by_id != actor.user_id and not may(actor.role, "request.view_all"):
        raise Forbidden("request.view")
    return request


def _waiting_request(session: Session, actor: Actor, request_id: int) -> AccessRequest:
    request = visible_request(session, actor, request_id)
    if request.status != "awaiting_approval":
        raise DomainError("request.error.not_waiting")
    if request.created_by_id == actor.user_id:
        # Four eyes: nobody approves their own request.
        raise DomainError("request.error.own_request")
    return request


def _unused_reply_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(REPLY_CODE_LENGTH))
        taken = session.scalar(select(AccessRequest.id).where(AccessRequest.reply_code == code))
        if taken is None:
            return code


def _send(session: Session, request: AccessRequest, settings: Settings, now: datetime) -> None:
    """Open the request and queue one SMS per recipient, in the caller's transaction."""
    request.status = "open"
    request.sent_at = now
    request.expires_at = now + timedelta(hours=settings.request_expiry_hours)
    recipients = list(request.recipients)
    owners = {
        owner.id: owner
        for owner in session.scalars(
            select(Owner).where(Owner.id.in_([r.owner_id for r in recipients]))
        )
    }
    sites = owner_sites(session, recipients)
    sends = []
    for recipient in recipients:
        owner = owners.get(recipient.owner_id)
        if owner is None or owner.sms_opted_out_at is not None or owner.status != "active":
            continue  # nothing is sent; the board shows the recipient as not reached
        token = new_token()
        place = describe_place(
            request.block_label,
            owner.language,
            settings,
            incident=(request.lat, request.lon),
            sites=sites.get(recipient.id, ()),
        )

        def body(link: str, owner: Owner = owner, place: str = place) -> str:
            return request_sms(
                language=owner.language,
                settings=settings,
                incident_type=request.incident_type,
                emergency=request.emergency,
                case_number=request.case_number,
                place=place,
                window_start=request.window_start,
                window_end=request.window_end,
                expires_at=request.expires_at,
                reply_code=request.reply_code,
                link=link,
            )

        message = enqueue_sms(
            session,
            owner.phone_e164,
            body(settings.links.owner_answer(token)),
            "access_request",
            owner.language,
            owner.id,
            redacted_body=body(settings.links.owner_answer("…")),
            expires_at=request.expires_at,
        )
        sends.append((recipient, token, message))
    # One flush inserts every message (in batches, ids returned); one executemany then
    # links each recipient to its message and its new token: a thousand owners in well
    # under a second, where a statement per row would take several.
    session.flush()
    if sends:
        session.execute(
            update(AccessRecipient),
            [
                {
                    "id": recipient.id,
                    "token_sha256": token_hash(token),
                    "outbox_message_id": message.id,
                }
                for recipient, token, message in sends
            ],
        )
        for recipient, _, _ in sends:
            session.expire(recipient, ["token_sha256", "outbox_message_id"])
    audit.record(
        session,
        "system",
        "request.sent",
        f"request:{request.id}",
        recipients=len(recipients),
        messages=len(sends),
    )


def owner_sites(
    session: Session, recipients: list[AccessRecipient]
) -> dict[int, tuple[OwnerSite, ...]]:
    """Each recipient's locations in the request's circle, to tell them where it happened."""
    wanted = {i for r in recipients for i in r.site_ids.get("ids", [])}
    rows = {
        site.id: OwnerSite(site.address_line, site.city, site.state, site.lat, site.lon)
        for site in session.scalars(select(Site).where(Site.id.in_(wanted)))
    }
    return {
        r.id: tuple(rows[i] for i in r.site_ids.get("ids", []) if i in rows) for r in recipients
    }


def _tell_supervisors_of_emergency(
    session: Session, request: AccessRequest, actor: Actor, settings: Settings
) -> None:
    """Emergencies skip approval: supervisors are told at once, for review after the fact."""
    from camshare.i18n import translate

    supervisors = session.scalars(
        select(StaffUser).where(
            StaffUser.role == "supervisor",
            StaffUser.disabled_at.is_(None),
            StaffUser.phone_e164.is_not(None),
        )
    ).all()
    link = settings.links.request_board(request.id)
    for supervisor in supervisors:
        enqueue_sms(
            session,
            supervisor.phone_e164,
            translate(
                supervisor.language,
                "sms.emergency_notice",
                agency=settings.agency_short(supervisor.language),
                case=request.case_number,
                officer=actor.username,
                link=link,
            ),
            "emergency_notice",
            supervisor.language,
        )
    audit.record(
        session,
        "system",
        "request.emergency_notified",
        f"request:{request.id}",
        supervisors=len(supervisors),
    )

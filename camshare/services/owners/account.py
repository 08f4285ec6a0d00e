"""An owner's own account: signing in without a password, pausing, withdrawing, their data.

Owners sign in with their phone number and an SMS code, or once with the manage link of
their receipt SMS; either gives a short session (a random token, stored as a hash, in a
cookie). Nothing here says whether a number is registered: an unknown number gets the
same answer and counts against the same limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from camshare.i18n import LANGUAGES
from camshare.models import (
    AccessRecipient,
    AccessRequest,
    AuditEvent,
    Camera,
    Owner,
    OwnerSession,
    PhoneVerification,
    Site,
    utcnow,
)
from camshare.services import audit
from camshare.services.agreements.consent_history import ConsentRecord, consent_history
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.geography.addresses import postal_address
from camshare.services.owners.links import use_owner_link
from camshare.services.owners.standing import refresh_status
from camshare.services.phones import normalize_mobile
from camshare.services.registration.cameras import clean_camera_rows
from camshare.services.registration.contact import check_email, check_name
from camshare.services.registration.verification import CodeSent, check_pending, issue_code
from camshare.services.session_handoff import begin_handoff
from camshare.services.throttle import due
from camshare.services.tokens import new_token, token_hash
from camshare.settings import Settings

# Writing last_seen_at on every use of a session would be waste: once a minute will do.
TOUCH_EVERY = timedelta(minutes=1)


def _phone(raw: str, settings: Settings) -> str:
    return normalize_mobile(raw, settings.default_region, settings.sms_region_list)


def send_signin_code(
    session: Session, phone_raw: str, settings: Settings, ip_address: str | None, now=None
) -> CodeSent:
    """Text a sign-in code to a registered number (an unknown one gets nothing, silently)."""
    now = now or utcnow()
    phone = _phone(phone_raw, settings)
    owner = session.scalar(select(Owner).where(Owner.phone_e164 == phone))
    return issue_code(
        session,
        phone,
        owner.language if owner else "en",
        settings,
        ip_address,
        now,
        purpose="signin",
        send=owner is not None and owner.sms_opted_out_at is None,
    )


def sign_in_with_code(
    session: Session,
    phone_raw: str,
    code: str,
    settings: Settings,
    ip_address: str | None,
    now: datetime | None = None,
) -> str:
    """A session token when ``code`` is the one sent to the number; DomainError otherwise.

    A wrong code is counted (and committed by the caller's own transaction) before the
    refusal: the refusal carries the count, so callers must commit on this error.
    """
    now = now or utcnow()
    phone = _phone(phone_raw, settings)
    digits = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(digits) != 6:
        raise DomainError("error.code_format", field="code")
    pending = session.scalar(
        select(PhoneVerification)
        .where(
            PhoneVerification.phone_e164 == phone,
            PhoneVerification.purpose == "signin",
            PhoneVerification.verified_at.is_(None),
        )
        .order_by(PhoneVerification.created_at.desc())
        .limit(1)
    )
    if pending is None:
        raise DomainError("error.code_none_sent", field="code")
    check = check_pending(session, pending, phone, digits, settings, now)
    owner = session.scalar(select(Owner).where(Owner.phone_e164 == phone))
    if not check.ok or owner is None:
        session.commit()  # the wrong try must count even though we refuse
        raise DomainError(check.error_key or "error.code_wrong", field="code", left=check.left)
    audit.record(
        session, f"owner:{owner.id}", "owner.signed_in", ip_address=ip_address, via="code", at=now
    )
    return _new_session(session, owner, settings, now)


def sign_in_with_link(
    session: Session, token: str, settings: Settings, ip_address: str | None, now=None
) -> str:
    """A session from the receipt's manage link, which then stops working."""
    now = now or utcnow()
    owner = use_owner_link(session, token, "manage", now)
    audit.record(
        session, f"owner:{owner.id}", "owner.signed_in", ip_address=ip_address, via="link", at=now
    )
    return _new_session(session, owner, settings, now)


def hand_off_code_sign_in(session: Session, phone_raw: str, code: str, *args, **kwargs) -> str:
    """``sign_in_with_code`` (same arguments) ending in a hand-off code instead, in the same
    transaction: the session token itself never leaves the server (see ``session_handoff``)."""
    token = sign_in_with_code(session, phone_raw, code, *args, **kwargs)
    return _handed_off(session, token, *args, **kwargs)


def hand_off_link_sign_in(session: Session, token: str, *args, **kwargs) -> str:
    """``sign_in_with_link`` (same arguments) ending in a hand-off code, as
    ``hand_off_code_sign_in``."""
    return _handed_off(session, sign_in_with_link(session, token, *args, **kwargs), *args, **kwargs)


def _handed_off(
    session: Session,
    token: str,
    settings: Settings,
    ip_address: str | None = None,  # the sign-in's, already recorded
    now: datetime | None = None,
) -> str:
    """Swap the new session ``token`` for a hand-off code (the sign-ins' arguments follow)."""
    return begin_handoff(session, "owner", token, settings, now)


def _new_session(session: Session, owner: Owner, settings: Settings, now: datetime) -> str:
    token = new_token()
    session.add(
        OwnerSession(
            owner_id=owner.id,
            token_sha256=token_hash(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.owner_session_hours),
        )
    )
    return token


def signed_in_owner(
    session: Session,
    token: str | None,
    now: datetime | None = None,
    *,
    settings: Settings,
) -> int | None:
    """The id of the owner signed in with ``token``, or None.

    None once the session is revoked, past its end (``owner_session_hours``), or unused
    for ``owner_idle_minutes``. Each use keeps it alive; ``last_seen_at`` is written at
    most once a minute, so a session may end up to a minute before its idle limit.
    """
    if not token:
        return None
    now = now or utcnow()
    row = session.scalar(
        select(OwnerSession).where(
            OwnerSession.token_sha256 == token_hash(token),
            OwnerSession.revoked_at.is_(None),
            OwnerSession.expires_at > now,
            OwnerSession.last_seen_at > now - timedelta(minutes=settings.owner_idle_minutes),
        )
    )
    if row is None:
        return None
    if due(row.last_seen_at, now, TOUCH_EVERY):
        row.last_seen_at = now
    return row.owner_id


def sign_out_owner(session: Session, token: str, now: datetime | None = None) -> None:
    """End the session."""
    session.execute(
        update(OwnerSession)
        .where(OwnerSession.token_sha256 == token_hash(token))
        .values(revoked_at=now or utcnow())
    )


def pause(
    session: Session, owner_id: int, settings: Settings, until: datetime | None = None, now=None
) -> None:
    """Stop requests reaching the owner, until ``until`` if given."""
    now = now or utcnow()
    if until is not None and until <= now:
        raise DomainError("owner.pause_until_past", field="until")
    owner = session.get(Owner, owner_id)
    owner.paused_at, owner.paused_until = now, until
    refresh_status(owner, settings, now)
    audit.record(
        session,
        f"owner:{owner.id}",
        "owner.paused",
        until=until.isoformat() if until else None,
        at=now,
    )


def resume(session: Session, owner_id: int, settings: Settings, now=None) -> None:
    """Let requests reach the owner again (unless another reason holds them back)."""
    now = now or utcnow()
    owner = session.get(Owner, owner_id)
    owner.paused_at = owner.paused_until = None
    refresh_status(owner, settings, now)
    audit.record(session, f"owner:{owner.id}", "owner.resumed", at=now)


@dataclass(frozen=True)
class RequestSeen:
    """A request that reached the owner, their answer, and who saw their details."""

    request_id: int
    incident_type: str
    block: str
    sent_at: datetime | None
    status: str
    answer: str | None
    answered_at: datetime | None
    viewed_by: tuple[tuple[str, datetime], ...]


def my_requests(session: Session, owner_id: int) -> list[RequestSeen]:
    """Every request that reached the owner, newest first, with each view of their details."""
    rows = session.execute(
        select(AccessRecipient, AccessRequest)
        .join(AccessRequest, AccessRequest.id == AccessRecipient.request_id)
        .where(AccessRecipient.owner_id == owner_id, AccessRequest.sent_at.is_not(None))
        .order_by(AccessRequest.sent_at.desc())
    ).all()
    views = session.execute(
        select(AuditEvent.detail, AuditEvent.actor, AuditEvent.at).where(
            AuditEvent.action == "owner.revealed", AuditEvent.subject == f"owner:{owner_id}"
        )
    ).all()
    by_request: dict[int, list[tuple[str, datetime]]] = {}
    for detail, actor, at in views:
        by_request.setdefault(int(detail.get("request_id", 0)), []).append(
            (actor.removeprefix("staff:"), at)
        )
    return [
        RequestSeen(
            request.id,
            request.incident_type,
            request.block_label,
            request.sent_at,
            request.status,
            recipient.answer,
            recipient.answered_at,
            tuple(sorted(by_request.get(request.id, []), key=lambda v: v[1])),
        )
        for recipient, request in rows
    ]


def update_details(
    session: Session, owner_id: int, full_name: str, email: str, language: str, now=None
) -> None:
    """Change the owner's name, e-mail and language (the phone is who they are: not here)."""
    errors: dict[str, str] = {}
    params: dict[str, dict[str, object]] = {}
    name = check_name(full_name, "full_name", errors, params)
    email_clean = check_email(email, errors)
    if language not in LANGUAGES:
        errors["language"] = "owner.language_invalid"
    if errors:
        raise ValidationFailed(errors, params)
    owner = session.get(Owner, owner_id)
    owner.full_name, owner.email, owner.language = name, email_clean or None, language
    audit.record(session, f"owner:{owner.id}", "owner.details_changed", at=now or utcnow())


def site_camera_rows(session: Session, owner_id: int, site_id: int) -> list[dict[str, str]]:
    """A site's camera rows as the editor shows them (the site must be the owner's)."""
    site = own_site(session, owner_id, site_id)
    return [
        {
            "camera_kind": c.camera_kind,
            "count": str(c.count),
            "faces": c.faces,
            "direction": c.direction or "",
            "recording": c.recording,
            "retention_days": str(c.retention_days),
        }
        for c in site.cameras
    ]


def save_site_cameras(
    session: Session, owner_id: int, site_id: int, rows: list[dict[str, Any]], now=None
) -> None:
    """Replace a site's cameras with ``rows`` (checked as at sign-up)."""
    site = own_site(session, owner_id, site_id)
    site.cameras = [Camera(**row) for row in clean_camera_rows(rows)]
    audit.record(
        session, f"owner:{owner_id}", "owner.cameras_changed", f"site:{site_id}", at=now or utcnow()
    )


def own_site(session: Session, owner_id: int, site_id: int) -> Site:
    """The owner's site ``site_id``; any other site is not found (also for locations)."""
    site = session.get(Site, site_id)
    if site is None or site.owner_id != owner_id:
        raise DomainError("owner.site_not_found")
    return site


def resume_ended_pauses(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Owners whose pause ran out share again (the worker's job); returns how many."""
    now = now or utcnow()
    owners = session.scalars(
        select(Owner).where(Owner.status == "paused", Owner.paused_until <= now)
    ).all()
    for owner in owners:
        refresh_status(owner, settings, now)
        audit.record(session, f"owner:{owner.id}", "owner.pause_ended", at=now)
    return len(owners)


@dataclass(frozen=True)
class MyLocation:
    """One of the owner's locations with its camera rows (kind, count, faces, direction)."""

    site_id: int
    address: str
    zip_code: str
    cameras: tuple[tuple[str, int, str, str | None], ...]


@dataclass(frozen=True)
class MyDetails:
    """The owner as their own page shows them (a copy, not the row)."""

    id: int
    full_name: str
    phone_e164: str
    email: str | None
    language: str
    status: str
    paused_until: datetime | None


@dataclass(frozen=True)
class MyRegistration:
    """What the owner's own page shows: them, their locations, requests and consents."""

    owner: MyDetails
    locations: tuple[MyLocation, ...]
    requests: tuple[RequestSeen, ...]
    consents: tuple[ConsentRecord, ...]  # newest first


def my_registration(session: Session, owner_id: int) -> MyRegistration:
    """Everything /my shows for the signed-in owner."""
    owner = session.get(Owner, owner_id)
    locations = tuple(
        MyLocation(
            s.id,
            postal_address(s.address_line + (f", {s.unit}" if s.unit else ""), s.city, s.state),
            s.zip_code or "",
            tuple((c.camera_kind, c.count, c.faces, c.direction) for c in s.cameras),
        )
        for s in owner.sites
    )
    details = MyDetails(
        owner.id,
        owner.full_name,
        owner.phone_e164,
        owner.email,
        owner.language,
        owner.status,
        owner.paused_until,
    )
    return MyRegistration(
        details,
        locations,
        tuple(my_requests(session, owner_id)),
        tuple(reversed(consent_history(session, owner_id))),
    )

"""Phone verification by SMS code, and the registration it completes.

A code is six digits, valid ``otp_ttl_minutes``, and dies after ``otp_max_attempts`` wrong
tries. New codes are throttled per draft, and capped per number and per IP address per
hour, so the form cannot be used to pump SMS to premium numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from camshare.i18n import translate
from camshare.models import OutboxMessage, PhoneVerification, utcnow
from camshare.services.errors import DomainError
from camshare.services.messaging.line_type import LineTypeLookup, check_takes_sms
from camshare.services.messaging.outbox import enqueue_sms
from camshare.services.messaging.sms import TWILIO_OPTED_OUT
from camshare.services.registration import load_draft, record_progress, save_draft
from camshare.services.registration.completion import Confirmation, complete_registration
from camshare.services.throttle import hold
from camshare.services.tokens import code_hash, new_code
from camshare.settings import Settings


@dataclass(frozen=True)
class CodeSent:
    """A code went to the outbox; another may be asked for after ``resend_after`` seconds."""

    phone_e164: str
    resend_after: int
    expires_at: datetime


def _count_since(session: Session, column, value: str, since: datetime) -> int:
    return (
        session.scalar(
            select(func.count(PhoneVerification.id)).where(
                column == value, PhoneVerification.created_at > since
            )
        )
        or 0
    )


def send_code(
    session: Session,
    key: str,
    settings: Settings,
    ip_address: str | None,
    now: datetime | None = None,
    lookup: LineTypeLookup | None = None,
) -> CodeSent:
    """Queue a new code for the draft's phone, within the throttles; with a ``lookup``,
    first refuse a number that cannot take a text (asked once per number)."""
    now = now or utcnow()
    draft = load_draft(session, key, now)
    contact = draft.data.get("contact")
    if draft.step != "verify" or not contact or not draft.data.get("consent"):
        raise DomainError("error.step_unavailable")
    phone = contact["phone_e164"]
    last = session.scalar(
        select(PhoneVerification)
        .where(PhoneVerification.draft_id == draft.id)
        .order_by(PhoneVerification.created_at.desc())
        .limit(1)
    )
    if last is None:
        check_takes_sms(lookup, phone, draft.data.setdefault("line_types", {}))
    sent = issue_code(
        session,
        phone,
        draft.language,
        settings,
        ip_address,
        now,
        draft_id=draft.id,
    )
    draft.data["code_requested"] = True
    save_draft(draft)
    return sent


# Every code issued anywhere counts toward the installation's hourly ceiling, so issuing
# is one queue: held from the first count to the commit that adds the code.
ISSUING = "codes"


def issue_code(
    session: Session,
    phone: str,
    language: str,
    settings: Settings,
    ip_address: str | None,
    now: datetime,
    *,
    draft_id: int | None = None,
    purpose: str = "signup",
    send: bool = True,
) -> CodeSent:
    """A new code for ``phone`` within the throttles, queued as an SMS (unless ``send`` is
    False: a sign-in attempt for an unknown number counts against the limits all the same,
    so the answer cannot tell which numbers are registered).

    The resend wait runs from the last code for this purpose to the number, or to the
    draft, whichever came later. Every limit holds under parallel requests: the counting
    waits for the issuing lock (``throttle.hold``), which the caller's commit releases.
    """
    hold(session, ISSUING)
    ip_address = (ip_address or "")[:64] or None
    # Per purpose: a resident who has just registered may sign in to their page at once.
    latest = and_(PhoneVerification.phone_e164 == phone, PhoneVerification.purpose == purpose)
    if draft_id is not None:
        latest = or_(latest, PhoneVerification.draft_id == draft_id)
    last_at = session.scalar(select(func.max(PhoneVerification.created_at)).where(latest))
    if last_at is not None:
        wait = int((last_at + timedelta(seconds=settings.otp_resend_seconds) - now).total_seconds())
        if wait > 0:
            raise DomainError("error.code_resend_wait", seconds=wait)
    hour_ago = now - timedelta(hours=1)
    if (
        _count_since(session, PhoneVerification.phone_e164, phone, hour_ago)
        >= settings.otp_per_phone_per_hour
    ):
        raise DomainError("error.code_too_many_for_phone")
    if (
        ip_address
        and _count_since(session, PhoneVerification.ip_address, ip_address, hour_ago)
        >= settings.otp_per_ip_per_hour
    ):
        raise DomainError("error.code_too_many_from_here")
    total = session.scalar(
        select(func.count(PhoneVerification.id)).where(PhoneVerification.created_at > hour_ago)
    )
    if (total or 0) >= settings.otp_per_hour_total:
        raise DomainError("error.code_busy")  # a ceiling on what an attack can cost
    code = new_code()
    expires_at = now + timedelta(minutes=settings.otp_ttl_minutes)
    session.add(
        PhoneVerification(
            draft_id=draft_id,
            purpose=purpose,
            phone_e164=phone,
            code_sha256=code_hash(settings.secret_key, phone, code),
            ip_address=ip_address,
            created_at=now,
            expires_at=expires_at,
        )
    )
    if send:

        def body(shown_code: str) -> str:
            return translate(
                language,
                "sms.code",
                program=settings.program(language),
                code=shown_code,
                minutes=settings.otp_ttl_minutes,
            )

        # Once Twilio has it, the stored copy loses the code; a code that arrives after it
        # expired is useless, so it is not sent at all.
        enqueue_sms(
            session,
            phone,
            body(code),
            "verification_code",
            language,
            redacted_body=body("••••••"),
            expires_at=expires_at,
        )
    return CodeSent(phone, settings.otp_resend_seconds, expires_at)


@dataclass(frozen=True)
class CodeCheck:
    """The answer to a code: right, or the message key (and parameters) saying why not.

    A wrong code is an answer rather than an exception because the count of wrong tries it
    adds must be committed, not rolled back.
    """

    ok: bool
    error_key: str | None = None
    left: int = 0


def check_code(
    session: Session,
    key: str,
    code: str,
    settings: Settings,
    now: datetime | None = None,
) -> CodeCheck:
    """Mark the draft's phone verified if ``code`` is right; count a wrong try otherwise."""
    now = now or utcnow()
    draft = load_draft(session, key, now)
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return CodeCheck(False, "error.code_format")
    pending = session.scalar(
        select(PhoneVerification)
        .where(PhoneVerification.draft_id == draft.id, PhoneVerification.verified_at.is_(None))
        .order_by(PhoneVerification.created_at.desc())
        .limit(1)
    )
    if pending is None:
        if draft.phone_verified_at and draft.data.get("phone_verified") == draft.data.get(
            "contact", {}
        ).get("phone_e164"):
            return CodeCheck(True)  # already proved: a retry after a failed finish
        return CodeCheck(False, "error.code_none_sent")
    phone = draft.data["contact"]["phone_e164"]
    check = check_pending(session, pending, phone, code, settings, now)
    if not check.ok:
        return check
    draft.phone_verified_at = now
    draft.data["phone_verified"] = phone
    record_progress(session, draft, "verified", now)
    save_draft(draft)
    return CodeCheck(True)


def check_pending(
    session: Session,
    pending: PhoneVerification,
    phone: str,
    code: str,
    settings: Settings,
    now: datetime,
) -> CodeCheck:
    """Check ``code`` (six digits) against the latest code sent; count a wrong try.

    Counted by one conditional UPDATE, never read-then-write: parallel wrong tries each
    get their own count, and none past ``otp_max_attempts`` is answered or accepted.
    """
    if pending.expires_at <= now:
        return CodeCheck(False, "error.code_expired")

    def spend(column: str, value) -> object | None:
        # The row as it is now, not as read: None once verified or out of tries.
        found = session.execute(
            update(PhoneVerification)
            .where(
                PhoneVerification.id == pending.id,
                PhoneVerification.verified_at.is_(None),
                PhoneVerification.failed_attempts < settings.otp_max_attempts,
            )
            .values({column: value})
            .returning(getattr(PhoneVerification, column))
            .execution_options(synchronize_session=False)
        ).scalar()
        if found is not None:
            set_committed_value(pending, column, found)
        return found

    right = pending.phone_e164 == phone and pending.code_sha256 == code_hash(
        settings.secret_key, phone, code
    )
    if right:
        if spend("verified_at", now) is None:
            return CodeCheck(False, "error.code_too_many_tries")
        return CodeCheck(True)
    counted = spend("failed_attempts", PhoneVerification.failed_attempts + 1)
    left = 0 if counted is None else settings.otp_max_attempts - counted
    if left <= 0:
        return CodeCheck(False, "error.code_too_many_tries")
    return CodeCheck(False, "error.code_wrong", left)


def verify_and_register(
    session: Session,
    key: str,
    code: str,
    settings: Settings,
    now: datetime | None = None,
) -> tuple[CodeCheck, Confirmation | None]:
    """Check the code and, when right, complete the registration in the same transaction.

    If completing fails, the caller's rollback also undoes the verification, so the same
    code still works on a retry.
    """
    check = check_code(session, key, code, settings, now)
    if not check.ok:
        return check, None
    return check, complete_registration(session, key, settings, now)


# Provider errors that mean this number will never get a text from us as it is.
_UNREACHABLE = {"21211": "error.phone_invalid", "21614": "error.phone_not_mobile"}


def code_delivery_problem(session: Session, key: str) -> str | None:
    """Why the latest code cannot reach the resident (a message key), or None if on its way."""
    draft = load_draft(session, key)
    phone = (draft.data.get("contact") or {}).get("phone_e164")
    if not phone:
        return None
    last = session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.to_e164 == phone, OutboxMessage.purpose == "verification_code")
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    if last is None or last.status != "failed":
        return None
    if last.error_code == TWILIO_OPTED_OUT:
        return "error.phone_opted_out"
    return _UNREACHABLE.get(last.error_code or "", "error.code_not_delivered")

"""Staff sign-in: password, then (for roles that need it) a TOTP code; sessions after that.

A session is a random token in the browser and only its SHA-256 in ``staff_session``.
Signing in makes the session at once; it counts as authenticated when the password and,
where the role needs one, a TOTP code are both checked.

Failures must outlive the error they raise: the caller's transaction rolls back on a
``DomainError`` (``runtime.in_session``), and a rolled-back failure count would let anyone
guess forever. So a refused try commits its count and audit row before raising.

Counting must also hold when tries arrive together. Each try first holds a lock row
(``throttle.hold``: per address for a password, per half-signed-in session for a code),
then reads the counts, checks and records, and the commit releases it. ``FOR UPDATE`` on
the account is not enough alone: SQLite ignores it, and it leaves the per-address count
unguarded on PostgreSQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from camshare.models import AuditEvent, StaffSession, StaffUser, utcnow
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.permissions import ROLES, Actor
from camshare.services.session_handoff import begin_handoff
from camshare.services.staff.passwords import (
    PASSWORD_MAX,
    check_password,
    hash_password,
    needs_rehash,
    spend_check,
)
from camshare.services.staff.totp import accepted_step, provisioning_uri, qr_svg_data_uri
from camshare.services.staff.totp import new_secret as new_totp_secret
from camshare.services.throttle import due, hold, slot_name
from camshare.services.tokens import new_token, token_hash
from camshare.settings import Settings

# The second step (code or enrolment) must follow the password within this time.
PENDING_MINUTES = 15
# Per IP address: this many failed sign-ins in the window, and further tries wait. Catches
# one address trying many names (spraying), which the per-account counters never see.
IP_FAILURE_LIMIT = 30
IP_WINDOW = timedelta(minutes=15)
# Throttle waits double from 1 s and stop growing here.
THROTTLE_CAP_SECONDS = 60
# resolve_session runs on every staff event; writing last_seen_at each time would be waste.
TOUCH_EVERY = timedelta(minutes=1)

FAILED = "staff.signin_failed"


@dataclass(frozen=True)
class SignInStep:
    """A password accepted: the session token, and what the browser must do next.

    ``next_step`` is "done" (signed in), "totp" (enter a code) or "enrol" (set up an
    authenticator app first, then enter a code).
    """

    token: str
    next_step: str


@dataclass(frozen=True)
class Enrolment:
    """A TOTP secret waiting for its first code, as text, ``otpauth://`` URI and QR code."""

    secret: str
    uri: str
    qr_data_uri: str


# --- helpers ----------------------------------------------------------------------------------


def _clip(value: str | None, size: int) -> str | None:
    return (value or "").strip()[:size] or None


def _audit(
    session: Session,
    now: datetime,
    actor: str,
    action: str,
    subject: str | None = None,
    ip_address: str | None = None,
    **detail: object,
) -> None:
    # Stamped with the caller's ``now``: the per-IP limit counts these rows against it.
    audit.record(session, actor, action, subject, ip_address, at=now, **detail)


def _subject(user: StaffUser) -> str:
    return f"staff_user:{user.id}"


def _refuse(session: Session, error: DomainError) -> NoReturn:
    """Commit the failure's bookkeeping, then raise (see the module docstring)."""
    session.commit()
    raise error


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def _minutes_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds() / 60))


def throttle_seconds(failures: int, settings: Settings) -> int:
    """The wait before the next try after ``failures`` consecutive failures (0: none)."""
    over = failures - settings.login_throttle_after
    if over < 0:
        return 0
    return min(THROTTLE_CAP_SECONDS, 2 ** min(over, 16))


def needs_second_factor(user: StaffUser, settings: Settings) -> bool:
    """Whether signing in takes a TOTP code: the role needs one, or the user has one set up."""
    return user.role in settings.totp_role_set or user.totp_enabled_at is not None


def _ip_wait(session: Session, ip: str | None, now: datetime) -> int:
    """Seconds before ``ip`` may try again (0: now), from its failures in the window.

    Counted from the audit log's failed sign-ins: each failure writes that row anyway, it
    is shared by every process, and no table of its own has to be kept and pruned. The
    ``IP_FAILURE_LIMIT``-th latest failure tells both whether the limit is reached and when
    the window will have let go of enough failures.
    """
    if ip is None:
        return 0
    nth = session.scalar(
        select(AuditEvent.at)
        .where(
            AuditEvent.action == FAILED,
            AuditEvent.at > now - IP_WINDOW,
            AuditEvent.ip_address == ip,
        )
        .order_by(AuditEvent.at.desc())
        .offset(IP_FAILURE_LIMIT - 1)
        .limit(1)
    )
    return 0 if nth is None else _seconds_until(nth + IP_WINDOW, now)


def _count_failure(
    session: Session,
    user: StaffUser,
    ip: str | None,
    now: datetime,
    settings: Settings,
    reason: str,
    error: DomainError,
) -> NoReturn:
    """One more consecutive failure for ``user``: throttle or lock as due, commit, raise."""
    user.failed_logins = (user.failed_logins or 0) + 1
    failures = user.failed_logins
    _audit(
        session,
        now,
        "anonymous",
        FAILED,
        _subject(user),
        ip,
        username=user.username,
        reason=reason,
        failures=failures,
    )
    if failures >= settings.login_lock_after:
        # The count is kept: once the lock ends, one more failure locks again at once.
        user.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
        user.next_login_at = None
        _audit(
            session,
            now,
            "system",
            "staff.locked",
            _subject(user),
            ip,
            username=user.username,
            failures=failures,
            until=user.locked_until.isoformat(),
        )
        _refuse(session, DomainError("signin.locked", minutes=settings.login_lock_minutes))
    wait = throttle_seconds(failures, settings)
    if wait:
        user.next_login_at = now + timedelta(seconds=wait)
    _refuse(session, error)


def _turned_away(
    session: Session, user: StaffUser, ip: str | None, now: datetime, reason: str
) -> None:
    """Refuse ``user`` before any check (locked, throttled), audited and committed."""
    if user.locked_until is not None and user.locked_until > now:
        error = DomainError("signin.locked", minutes=_minutes_until(user.locked_until, now))
    elif user.next_login_at is not None and user.next_login_at > now:
        error = DomainError("signin.throttled", seconds=_seconds_until(user.next_login_at, now))
    else:
        return
    _audit(
        session,
        now,
        "anonymous",
        "staff.signin_refused",
        _subject(user),
        ip,
        username=user.username,
        reason=f"{reason}:{error.key}",
    )
    _refuse(session, error)


def _authenticated(
    session: Session,
    user: StaffUser,
    row: StaffSession,
    ip: str | None,
    now: datetime,
    method: str,
) -> Actor:
    """Mark the session signed in and the account's failures forgiven; audited."""
    row.authenticated_at = now
    row.last_seen_at = now
    user.failed_logins = 0
    user.next_login_at = None
    user.locked_until = None
    user.last_login_at = now
    session.flush()
    _audit(
        session,
        now,
        f"staff:{user.username}",
        "staff.signed_in",
        _subject(user),
        ip,
        username=user.username,
        method=method,
        session_id=row.id,
        user_agent=row.user_agent,
    )
    return Actor(user.id, user.username, user.role, ip)


def _pending_query(token: str, now: datetime) -> Select:
    return (
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(
            StaffSession.token_sha256 == token_hash(token),
            StaffSession.revoked_at.is_(None),
            StaffSession.authenticated_at.is_(None),
            StaffSession.created_at > now - timedelta(minutes=PENDING_MINUTES),
            StaffSession.expires_at > now,
            StaffUser.disabled_at.is_(None),
        )
    )


def _pending(
    session: Session, token: str | None, now: datetime, lock: bool = False
) -> tuple[StaffSession, StaffUser] | None:
    """The half-signed-in session of ``token`` and its user, or None."""
    if not token:
        return None
    query = _pending_query(token, now)
    if lock:
        # Concurrent codes for one sign-in queue up (SQLite: every writer; PostgreSQL: this
        # session's tries, and through the account's row, its other sessions' too), so
        # none slips past the failure count another has just raised.
        hold(session, slot_name("totp", token))
        query = query.with_for_update(of=StaffUser).execution_options(populate_existing=True)
    found = session.execute(query).first()
    return None if found is None else (found[0], found[1])


def revoke_user_sessions(session: Session, user_id: int, now: datetime) -> int:
    """End every live session of ``user_id`` at once; returns how many."""
    result = session.execute(
        update(StaffSession)
        .where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


# --- use cases --------------------------------------------------------------------------------


def sign_in(
    session: Session,
    username: str,
    password: str,
    *,
    ip_address: str | None,
    user_agent: str | None,
    settings: Settings,
    now: datetime | None = None,
) -> SignInStep:
    """Check a username and password; start a session that may still need a TOTP code.

    Unknown name, wrong password and disabled account are one error, "signin.failed", and
    cost the same argon2 check, so neither the message nor the time tells which names exist.
    """
    now = now or utcnow()
    ip = _clip(ip_address, 64)
    name = (username or "").strip().lower()
    password = password or ""
    # Longer than any allowed password cannot be right, and hashing megabytes costs us.
    checkable = len(password) <= PASSWORD_MAX

    # Tries from one address queue up here until each is counted and committed, so a
    # burst can neither pass the address's limit nor check more passwords than it allows.
    hold(session, slot_name("signin", ip or "-"))
    wait = _ip_wait(session, ip, now)
    if wait:
        _audit(
            session,
            now,
            "anonymous",
            "staff.signin_refused",
            ip_address=ip,
            username=name[:64],
            reason="ip_throttled",
        )
        _refuse(session, DomainError("signin.throttled", seconds=wait))

    user = None
    if name:
        # PostgreSQL: tries at one account from several addresses queue up here too, so a
        # burst cannot check many passwords before the first failure is counted.
        user = session.scalar(
            select(StaffUser)
            .where(StaffUser.username == name)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if user is None or user.disabled_at is not None:
        if checkable:
            if user is None:
                spend_check(password)
            else:
                check_password(user.password_hash, password)
        _audit(
            session,
            now,
            "anonymous",
            FAILED,
            None if user is None else _subject(user),
            ip,
            username=name[:64],
            reason="unknown_user" if user is None else "disabled",
        )
        _refuse(session, DomainError("signin.failed"))

    _turned_away(session, user, ip, now, "password")
    if not (checkable and check_password(user.password_hash, password)):
        _count_failure(
            session, user, ip, now, settings, "bad_password", DomainError("signin.failed")
        )
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)  # the hasher's parameters were raised

    token = new_token()
    row = StaffSession(
        user_id=user.id,
        token_sha256=token_hash(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.staff_session_hours),
        ip_address=ip,
        user_agent=_clip(user_agent, 400),
    )
    session.add(row)
    if not needs_second_factor(user, settings):
        _authenticated(session, user, row, ip, now, "password")
        return SignInStep(token, "done")
    # The failure count is kept until the code is right: forgiving it on the password alone
    # would give whoever knows the password unlimited guesses at the code.
    session.flush()
    return SignInStep(token, "totp" if user.totp_enabled_at is not None else "enrol")


def pending_user(
    session: Session, token: str | None, now: datetime | None = None
) -> StaffUser | None:
    """The account a half-signed-in session (password done, code not yet) belongs to."""
    found = _pending(session, token, now or utcnow())
    return None if found is None else found[1]


def pending_step(session: Session, token: str | None, now: datetime | None = None) -> str | None:
    """What a half-signed-in session must do next: "totp", "enrol", or None (start again)."""
    user = pending_user(session, token, now)
    if user is None:
        return None
    return "totp" if user.totp_enabled_at is not None else "enrol"


def begin_enrolment(
    session: Session, token: str, *, settings: Settings, now: datetime | None = None
) -> Enrolment:
    """The TOTP secret to set up in an authenticator app, kept pending until a code confirms it.

    Called again (a reload, a second browser), it shows the same pending secret, so a phone
    that already scanned it stays right.
    """
    now = now or utcnow()
    found = _pending(session, token, now, lock=True)
    if found is None:
        raise DomainError("signin.expired")
    _row, user = found
    if user.role not in settings.totp_role_set or user.totp_enabled_at is not None:
        raise DomainError("signin.step_unavailable")
    if user.totp_secret is None:
        user.totp_secret = new_totp_secret()
        user.totp_last_step = None
    uri = provisioning_uri(user.totp_secret, user.username, settings.program_name)
    return Enrolment(user.totp_secret, uri, qr_svg_data_uri(uri))


def confirm_totp(
    session: Session,
    token: str,
    code: str,
    *,
    settings: Settings,
    now: datetime | None = None,
    ip_address: str | None = None,
) -> Actor:
    """Check the TOTP code of a half-signed-in session; completes enrolment and sign-in.

    A wrong code counts as a failed sign-in of the account (throttle and lock apply).
    ``ip_address`` defaults to the address the password came from.
    """
    now = now or utcnow()
    found = _pending(session, token, now, lock=True)
    if found is None:
        # A double submit after success finds the session signed in already.
        live = _live(session, token, settings, now)
        if live is None:
            raise DomainError("signin.expired")
        row, user = live
        return Actor(user.id, user.username, user.role, _clip(ip_address, 64) or row.ip_address)
    row, user = found
    ip = _clip(ip_address, 64) or row.ip_address
    if user.totp_secret is None:
        raise DomainError("signin.step_unavailable")  # enrolment not begun
    _turned_away(session, user, ip, now, "code")
    step = accepted_step(user.totp_secret, code, user.totp_last_step, now)
    if step is None:
        _count_failure(
            session,
            user,
            ip,
            now,
            settings,
            "bad_code",
            DomainError("signin.bad_code", field="code"),
        )
    user.totp_last_step = step
    if user.totp_enabled_at is None:
        user.totp_enabled_at = now
        _audit(
            session,
            now,
            f"staff:{user.username}",
            "staff.totp_enrolled",
            _subject(user),
            ip,
            username=user.username,
        )
    return _authenticated(session, user, row, ip, now, "password+totp")


def _live(
    session: Session, token: str | None, settings: Settings, now: datetime
) -> tuple[StaffSession, StaffUser] | None:
    """The signed-in session of ``token`` and its user, touched; None if it has ended."""
    if not token:
        return None
    found = session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(
            StaffSession.token_sha256 == token_hash(token),
            StaffSession.revoked_at.is_(None),
            StaffSession.authenticated_at.is_not(None),
            StaffSession.expires_at > now,
            # Also from the settings in force: shortening them ends older sessions too.
            StaffSession.created_at > now - timedelta(hours=settings.staff_session_hours),
            StaffSession.last_seen_at > now - timedelta(minutes=settings.staff_idle_minutes),
            StaffUser.disabled_at.is_(None),
            or_(StaffUser.locked_until.is_(None), StaffUser.locked_until <= now),
        )
    ).first()
    if found is None:
        return None
    row, user = found
    if user.role not in ROLES:
        return None
    if user.role in settings.totp_role_set and user.totp_enabled_at is None:
        return None  # the role came to need a code after this sign-in: sign in again
    if due(row.last_seen_at, now, TOUCH_EVERY):
        row.last_seen_at = now
    return row, user


def resolve_session(
    session: Session,
    token: str | None,
    *,
    settings: Settings,
    now: datetime | None = None,
    ip_address: str | None = None,
) -> Actor | None:
    """The staff member a signed-in browser's token stands for, or None.

    None when the token is unknown, revoked, not fully signed in, past its absolute end
    (``staff_session_hours`` after sign-in), unused for ``staff_idle_minutes``, or its
    account is disabled or locked. One query on the token's unique index, joined to the
    user by primary key; ``last_seen_at`` is written at most once a minute, so a session may
    end up to a minute before its idle limit.
    """
    found = _live(session, token, settings, now or utcnow())
    if found is None:
        return None
    user = found[1]
    return Actor(user.id, user.username, user.role, _clip(ip_address, 64))


def sign_out(
    session: Session,
    token: str | None,
    now: datetime | None = None,
    *,
    ip_address: str | None = None,
) -> None:
    """End the session of ``token`` (nothing happens for an unknown or ended one); audited."""
    if not token:
        return
    now = now or utcnow()
    found = session.execute(
        select(StaffSession, StaffUser)
        .join(StaffUser, StaffUser.id == StaffSession.user_id)
        .where(StaffSession.token_sha256 == token_hash(token))
    ).first()
    if found is None or found[0].revoked_at is not None:
        return
    row, user = found
    row.revoked_at = now
    _audit(
        session,
        now,
        f"staff:{user.username}",
        "staff.signed_out",
        _subject(user),
        _clip(ip_address, 64) or row.ip_address,
        username=user.username,
        session_id=row.id,
    )


@dataclass(frozen=True)
class PasswordStep:
    """The password step as the sign-in page takes it: the step, and when it finished the
    sign-in (no code needed), the hand-off code for the cookie ("" otherwise)."""

    step: SignInStep
    handoff: str


def sign_in_and_hand_off(
    session: Session, username: str, password: str, *, settings: Settings, **kwargs
) -> PasswordStep:
    """``sign_in`` (same arguments); a finished sign-in comes back as a hand-off code, in
    the same transaction."""
    step = sign_in(session, username, password, settings=settings, **kwargs)
    if step.next_step != "done":
        return PasswordStep(step, "")
    return PasswordStep(
        step, begin_handoff(session, "staff", step.token, settings, kwargs.get("now"))
    )


def confirm_totp_and_hand_off(
    session: Session, token: str, code: str, settings: Settings, now: datetime | None = None
) -> str:
    """Check the code and, when right, swap the session for its hand-off code (one commit)."""
    confirm_totp(session, token, code, settings=settings, now=now)
    return begin_handoff(session, "staff", token, settings, now)

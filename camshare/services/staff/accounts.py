"""Staff accounts administered by admins: create, disable, unlock, reset password or TOTP.

Every use case authorizes "staff.manage" before it reads anything, except the command
line's ``bootstrap`` (whoever runs it already holds the database) and a member's choice
of their own language. Whatever ends a
person's access (disabling, a new password, a new TOTP) also ends their sessions at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from camshare.models import StaffUser, utcnow
from camshare.services import audit
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.permissions import ROLES, Actor, authorize
from camshare.services.phones import normalize_mobile
from camshare.services.staff.passwords import hash_password, password_problem
from camshare.services.staff.sessions import revoke_user_sessions
from camshare.settings import Settings
from camshare.vocabulary import LANGUAGES

# Lowercase only, so a name is unique however it is typed at sign-in.
USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,64}")
DISPLAY_NAME_MAX = 200


@dataclass(frozen=True)
class StaffSummary:
    """One account as the staff administration page lists it."""

    id: int
    username: str
    display_name: str
    role: str
    disabled: bool
    locked: bool
    totp_enrolled: bool
    last_login_at: datetime | None


def summarize(user: StaffUser, now: datetime | None = None) -> StaffSummary:
    """``user`` as a ``StaffSummary`` (locked: a lock still running at ``now``)."""
    now = now or utcnow()
    return StaffSummary(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        disabled=user.disabled_at is not None,
        locked=user.locked_until is not None and user.locked_until > now,
        totp_enrolled=user.totp_enabled_at is not None,
        last_login_at=user.last_login_at,
    )


def normalize_username(username: str | None) -> str:
    """A username as stored and looked up: trimmed and lowercase."""
    return (username or "").strip().lower()


def username_taken(session: Session, username: str) -> bool:
    """Whether an account already has ``username`` (in any case)."""
    name = normalize_username(username)
    return (
        session.scalar(select(StaffUser.id).where(func.lower(StaffUser.username) == name))
        is not None
    )


def create_staff_user(
    session: Session,
    actor: Actor | None,
    username: str,
    display_name: str,
    role: str,
    password: str,
    *,
    phone_e164: str | None = None,
    settings: Settings,
    bootstrap: bool = False,
    now: datetime | None = None,
) -> StaffUser:
    """Create an account; raises ``ValidationFailed`` naming each field that is wrong.

    The username is stored lowercase. ``phone_e164`` may be typed in any form the default
    region understands; it is stored in E.164.
    """
    if not bootstrap:
        authorize(actor, "staff.manage")
    now = now or utcnow()
    name = normalize_username(username)
    display = " ".join((display_name or "").split())
    errors: dict[str, str] = {}
    if not USERNAME_PATTERN.fullmatch(name):
        errors["username"] = "staff.username_invalid"
    elif username_taken(session, name):
        errors["username"] = "staff.username_taken"
    if not display:
        errors["display_name"] = "staff.display_name_required"
    elif len(display) > DISPLAY_NAME_MAX:
        errors["display_name"] = "staff.display_name_too_long"
    if role not in ROLES:
        errors["role"] = "staff.role_invalid"
    problem = password_problem(password or "", name)
    if problem:
        errors["password"] = problem
    phone = None
    if phone_e164 and phone_e164.strip():
        try:
            phone = normalize_mobile(phone_e164, settings.default_region, settings.sms_region_list)
        except DomainError as exc:
            errors["phone_e164"] = exc.key
    if errors:
        raise ValidationFailed(errors)

    user = StaffUser(
        username=name,
        display_name=display,
        role=role,
        phone_e164=phone,
        password_hash=hash_password(password),
        failed_logins=0,
        created_by_id=actor.user_id if actor is not None else None,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        # Another admin made the same name between our check and our insert.
        raise ValidationFailed({"username": "staff.username_taken"}) from None
    audit.record(
        session,
        actor.audit_name if actor is not None else "cli",
        "staff.created",
        f"staff_user:{user.id}",
        actor.ip_address if actor is not None else None,
        username=user.username,
        role=user.role,
        bootstrap=bootstrap,
    )
    return user


def add_staff_account(session: Session, actor: Actor | None, *args, **kwargs) -> StaffSummary:
    """The administration page's "add": ``create_staff_user`` (same arguments, but not
    ``bootstrap``), the new account as the page lists it."""
    return summarize(create_staff_user(session, actor, *args, bootstrap=False, **kwargs))


def set_own_language(session: Session, actor: Actor, language: str) -> bool:
    """Keep ``language`` on the signed-in member's account, for the texts sent to them.

    Returns whether it changed; an unknown language changes nothing.
    """
    user = session.get(StaffUser, actor.user_id)
    if user is None or language not in LANGUAGES or user.language == language:
        return False
    user.language = language
    return True


def _target(session: Session, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id, with_for_update=True)
    if user is None:
        raise DomainError("staff.not_found")
    return user


def _record(session: Session, actor: Actor, action: str, user: StaffUser, **detail) -> None:
    audit.record(
        session,
        actor.audit_name,
        action,
        f"staff_user:{user.id}",
        actor.ip_address,
        username=user.username,
        **detail,
    )


def set_disabled(
    session: Session,
    actor: Actor,
    user_id: int,
    disabled: bool,
    now: datetime | None = None,
) -> StaffSummary:
    """Disable (ending every session of theirs at once) or re-enable an account."""
    authorize(actor, "staff.manage")
    now = now or utcnow()
    user = _target(session, user_id)
    if disabled and user.id == actor.user_id:
        # Nobody locks themselves out by a slip; another admin can do it if need be.
        raise DomainError("staff.cannot_disable_self")
    if disabled:
        if user.disabled_at is None:
            user.disabled_at = now
        ended = revoke_user_sessions(session, user.id, now)
        _record(session, actor, "staff.disabled", user, sessions_ended=ended)
    else:
        user.disabled_at = None
        _record(session, actor, "staff.enabled", user)
    return summarize(user, now)


def unlock(
    session: Session, actor: Actor, user_id: int, now: datetime | None = None
) -> StaffSummary:
    """End a lock and forget the failed sign-ins that led to it."""
    authorize(actor, "staff.manage")
    now = now or utcnow()
    user = _target(session, user_id)
    user.failed_logins = 0
    user.next_login_at = None
    user.locked_until = None
    _record(session, actor, "staff.unlocked", user)
    return summarize(user, now)


def reset_password(
    session: Session,
    actor: Actor,
    user_id: int,
    new_password: str,
    now: datetime | None = None,
) -> StaffSummary:
    """Set a new password (same policy as at creation); ends the account's sessions."""
    authorize(actor, "staff.manage")
    now = now or utcnow()
    user = _target(session, user_id)
    problem = password_problem(new_password or "", user.username)
    if problem:
        raise ValidationFailed({"password": problem})
    user.password_hash = hash_password(new_password)
    ended = revoke_user_sessions(session, user.id, now)
    _record(session, actor, "staff.password_reset", user, sessions_ended=ended)
    return summarize(user, now)


def reset_totp(
    session: Session, actor: Actor, user_id: int, now: datetime | None = None
) -> StaffSummary:
    """Forget the account's TOTP secret (a lost phone): they enrol again at next sign-in."""
    authorize(actor, "staff.manage")
    now = now or utcnow()
    user = _target(session, user_id)
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    ended = revoke_user_sessions(session, user.id, now)
    _record(session, actor, "staff.totp_reset", user, sessions_ended=ended)
    return summarize(user, now)


def list_staff(session: Session, actor: Actor, now: datetime | None = None) -> list[StaffSummary]:
    """Every account, by username."""
    authorize(actor, "staff.manage")
    now = now or utcnow()
    users = session.scalars(select(StaffUser).order_by(StaffUser.username))
    return [summarize(user, now) for user in users]

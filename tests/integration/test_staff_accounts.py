"""Staff accounts, sign-in with TOTP, sessions and their administration, on each database."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from camshare import cli
from camshare.models import AuditEvent, StaffSession, StaffUser
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.permissions import ROLES, Actor, Forbidden, may
from camshare.services.session_handoff import redeem_handoff
from camshare.services.staff import accounts, passwords, sessions, totp
from camshare.services.tokens import token_hash
from tests.support.hashers import CountingHasher, installed
from tests.support.transactions import open_outer_transaction

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 5, 4, 14, 0, 10, tzinfo=UTC)  # 10 s into a TOTP step
SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
PASSWORD = "a long staff passphrase"
WRONG = "not the passphrase at all"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
IP = "203.0.113.7"
OTHER_IP = "198.51.100.4"
AGENT = "Mozilla/5.0 (test)"


@pytest.fixture(autouse=True)
def hasher(monkeypatch) -> CountingHasher:
    yield from installed(monkeypatch, CountingHasher())


# --- helpers ----------------------------------------------------------------------------------


def make_user(
    session: Session,
    settings,
    username: str,
    role: str,
    *,
    enrolled: bool = True,
    password: str = PASSWORD,
) -> StaffUser:
    """An account made as the CLI makes one, enrolled in TOTP when its role needs it."""
    user = accounts.create_staff_user(
        session,
        None,
        username,
        f"{username.title()} Example",
        role,
        password,
        settings=settings,
        bootstrap=True,
        now=T0,
    )
    if enrolled and role in settings.totp_role_set:
        user.totp_secret = SECRET
        user.totp_enabled_at = T0
    session.flush()
    return user


def actor_of(user: StaffUser, ip: str | None = IP) -> Actor:
    return Actor(user.id, user.username, user.role, ip)


def code_at(at: datetime, secret: str = SECRET, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(at + timedelta(seconds=30 * steps))


def sign_in(session, settings, username, password=PASSWORD, at=T0, ip=IP):
    return sessions.sign_in(
        session, username, password, ip_address=ip, user_agent=AGENT, settings=settings, now=at
    )


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def signed_in(session, settings, user: StaffUser, at: datetime = T0) -> str:
    """A fully signed-in session's token for ``user`` (with the code when needed)."""
    step = sign_in(session, settings, user.username, at=at)
    if step.next_step != "done":
        sessions.confirm_totp(session, step.token, code_at(at), settings=settings, now=at)
    return step.token


def fail(session, settings, username, at, times, password=WRONG) -> datetime:
    """``times`` failed sign-ins, each as soon as the throttle lets it; returns the time after."""
    for _ in range(times):
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if user.next_login_at is not None and user.next_login_at > at:
            at = user.next_login_at
        error = refused(sign_in, session, settings, username, password, at)
        assert error.key in {"signin.failed", "signin.locked"}
    return at


def events(session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def reload(session, user: StaffUser) -> StaffUser:
    session.refresh(user)
    return user


@pytest.fixture
def admin(session, settings) -> StaffUser:
    return make_user(session, settings, "chief", "admin")


# --- creating accounts ------------------------------------------------------------------------


def test_an_admin_creates_an_account_stored_with_an_argon2_hash(session, settings, admin):
    user = accounts.create_staff_user(
        session,
        actor_of(admin),
        "  Maria.G ",
        "  Maria   García ",
        "police",
        PASSWORD,
        phone_e164="(214) 555-0142",
        settings=settings,
        now=T0,
    )

    assert user.username == "maria.g"
    assert user.display_name == "Maria García"
    assert user.phone_e164 == "+12145550142"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert user.created_by_id == admin.id
    assert user.totp_secret is None
    (created,) = [e for e in events(session, "staff.created") if e.detail["username"] == "maria.g"]
    assert created.actor == "staff:chief"
    assert created.subject == f"staff_user:{user.id}"
    assert created.ip_address == IP
    assert created.detail["role"] == "police"


@pytest.mark.parametrize("username", ["abc", "a" * 64, "a.b_c-d9", "ABC"])
def test_usernames_that_are_accepted(session, settings, username):
    user = make_user(session, settings, username, "outreach")

    assert user.username == username.lower()


@pytest.mark.parametrize(
    "username", ["", "ab", "a" * 65, "maria g", "josé", "a/b", "maria@dpd", "ab\n"]
)
def test_usernames_that_are_refused(session, settings, admin, username):
    with pytest.raises(ValidationFailed) as caught:
        accounts.create_staff_user(
            session, actor_of(admin), username, "Name", "police", PASSWORD, settings=settings
        )

    assert caught.value.errors == {"username": "staff.username_invalid"}


def test_a_username_is_unique_whatever_its_case(session, settings, admin):
    make_user(session, settings, "maria.g", "police")

    with pytest.raises(ValidationFailed) as caught:
        accounts.create_staff_user(
            session, actor_of(admin), "MARIA.G", "Other", "outreach", PASSWORD, settings=settings
        )

    assert caught.value.errors == {"username": "staff.username_taken"}


def test_every_wrong_field_is_named_at_once(session, settings, admin):
    with pytest.raises(ValidationFailed) as caught:
        accounts.create_staff_user(
            session,
            actor_of(admin),
            "x",
            "   ",
            "sheriff",
            "short",
            phone_e164="12",
            settings=settings,
        )

    assert caught.value.errors == {
        "username": "staff.username_invalid",
        "display_name": "staff.display_name_required",
        "role": "staff.role_invalid",
        "password": "staff.password_too_short",
        "phone_e164": "error.phone_invalid",
    }


@pytest.mark.parametrize(
    ("password", "key"),
    [
        ("x" * 11, "staff.password_too_short"),
        ("x" * 257, "staff.password_too_long"),
        ("i am Maria.G, really", "staff.password_has_username"),
    ],
)
def test_the_password_policy_applies_to_new_accounts(session, settings, admin, password, key):
    with pytest.raises(ValidationFailed) as caught:
        accounts.create_staff_user(
            session, actor_of(admin), "maria.g", "Maria", "police", password, settings=settings
        )

    assert caught.value.errors == {"password": key}


def test_a_display_name_has_a_limit(session, settings, admin):
    with pytest.raises(ValidationFailed) as caught:
        accounts.create_staff_user(
            session, actor_of(admin), "maria.g", "M" * 201, "police", PASSWORD, settings=settings
        )

    assert caught.value.errors == {"display_name": "staff.display_name_too_long"}


def test_without_an_actor_only_the_bootstrap_creates_accounts(session, settings):
    with pytest.raises(Forbidden):
        accounts.create_staff_user(
            session, None, "first", "First Admin", "admin", PASSWORD, settings=settings
        )

    user = accounts.create_staff_user(
        session, None, "first", "First", "admin", PASSWORD, settings=settings, bootstrap=True
    )
    (created,) = events(session, "staff.created")
    assert user.created_by_id is None
    assert created.actor == "cli"
    assert created.detail["bootstrap"] is True


# --- who may administer -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_may_manage_staff(role):
    assert may(role, "staff.manage") is (role == "admin")


ADMIN_CALLS = {
    "create": lambda s, st, a, t: accounts.create_staff_user(
        s, a, "newbie", "New", "outreach", PASSWORD, settings=st
    ),
    "disable": lambda s, st, a, t: accounts.set_disabled(s, a, t.id, True),
    "enable": lambda s, st, a, t: accounts.set_disabled(s, a, t.id, False),
    "unlock": lambda s, st, a, t: accounts.unlock(s, a, t.id),
    "reset_password": lambda s, st, a, t: accounts.reset_password(s, a, t.id, "another passphrase"),
    "reset_totp": lambda s, st, a, t: accounts.reset_totp(s, a, t.id),
    "list": lambda s, st, a, t: accounts.list_staff(s, a),
}


@pytest.mark.parametrize("role", ["supervisor", "police", "outreach"])
@pytest.mark.parametrize("call", sorted(ADMIN_CALLS))
def test_other_roles_are_forbidden_every_administration(session, settings, role, call):
    someone = make_user(session, settings, f"user.{role}", role)
    target = make_user(session, settings, "target", "police")

    with pytest.raises(Forbidden) as caught:
        ADMIN_CALLS[call](session, settings, actor_of(someone), target)

    assert caught.value.key == "staff.forbidden"
    assert caught.value.action == "staff.manage"
    assert reload(session, target).disabled_at is None


@pytest.mark.parametrize("call", sorted(ADMIN_CALLS))
def test_nobody_signed_in_is_forbidden_every_administration(session, settings, call):
    target = make_user(session, settings, "target", "police")

    with pytest.raises(Forbidden):
        ADMIN_CALLS[call](session, settings, None, target)


@pytest.mark.parametrize("call", sorted(ADMIN_CALLS))
def test_an_admin_may_do_every_administration(session, settings, admin, call):
    target = make_user(session, settings, "target", "police")
    # Give each call something to undo, so that its effect shows.
    target.disabled_at = T0 if call == "enable" else None
    target.failed_logins, target.locked_until = (10, T0 + MINUTE) if call == "unlock" else (0, None)
    session.flush()
    password_before = target.password_hash

    result = ADMIN_CALLS[call](session, settings, actor_of(admin), target)
    session.flush()

    target = reload(session, target)
    done = {
        "create": lambda: session.scalar(select(StaffUser).filter_by(username="newbie")),
        "disable": lambda: target.disabled_at is not None,
        "enable": lambda: target.disabled_at is None,
        "unlock": lambda: (target.failed_logins, target.locked_until) == (0, None),
        "reset_password": lambda: target.password_hash != password_before,
        "reset_totp": lambda: (target.totp_secret, target.totp_enabled_at) == (None, None),
        "list": lambda: "target" in {row.username for row in result},
    }
    assert done[call]()


@pytest.mark.parametrize("call", ["disable", "unlock", "reset_password", "reset_totp"])
def test_an_unknown_account_is_not_found(session, settings, admin, call):
    ghost = StaffUser(id=999_999)

    assert refused(ADMIN_CALLS[call], session, settings, actor_of(admin), ghost).key == (
        "staff.not_found"
    )


# --- signing in: the password -----------------------------------------------------------------


def test_outreach_signs_in_with_a_password_alone(session, settings):
    user = make_user(session, settings, "olga", "outreach")

    step = sign_in(session, settings, " OLGA ")

    assert step.next_step == "done"
    actor = sessions.resolve_session(session, step.token, settings=settings, now=T0, ip_address=IP)
    assert actor == Actor(user.id, "olga", "outreach", IP)
    assert reload(session, user).last_login_at == T0


def test_only_the_hash_of_the_token_is_stored(session, settings):
    make_user(session, settings, "olga", "outreach")

    step = sign_in(session, settings, "olga")

    row = session.scalar(select(StaffSession))
    assert row.token_sha256 == token_hash(step.token)
    assert step.token not in {row.token_sha256, row.user_agent, row.ip_address}
    assert len(step.token) >= 32
    assert (row.ip_address, row.user_agent, row.created_at) == (IP, AGENT, T0)
    assert row.expires_at == T0 + timedelta(hours=settings.staff_session_hours)


@pytest.mark.parametrize("role", ["admin", "supervisor", "police"])
def test_roles_that_need_totp_wait_for_a_code(session, settings, role):
    user = make_user(session, settings, "someone", role)

    step = sign_in(session, settings, "someone")

    assert step.next_step == "totp"
    assert sessions.resolve_session(session, step.token, settings=settings, now=T0) is None
    assert sessions.pending_step(session, step.token, now=T0) == "totp"
    assert sessions.pending_user(session, step.token, now=T0).id == user.id
    actor = sessions.confirm_totp(session, step.token, code_at(T0), settings=settings, now=T0)
    assert actor == Actor(user.id, "someone", role, IP)
    assert sessions.resolve_session(session, step.token, settings=settings, now=T0) is not None
    assert sessions.pending_user(session, step.token, now=T0) is None


def test_totp_roles_follow_the_setting(session, settings):
    strict = dataclasses.replace(settings, totp_roles="admin,supervisor,police,outreach")
    make_user(session, settings, "olga", "outreach")

    assert sign_in(session, strict, "olga").next_step == "enrol"


def test_a_user_with_totp_set_up_is_asked_for_it_even_if_the_role_no_longer_needs_it(
    session, settings
):
    make_user(session, settings, "pat", "police")
    relaxed = dataclasses.replace(settings, totp_roles="admin")

    assert sign_in(session, relaxed, "pat").next_step == "totp"


def test_unknown_user_wrong_password_and_disabled_account_look_the_same(
    session, settings, admin, hasher
):
    make_user(session, settings, "olga", "outreach")
    gone = make_user(session, settings, "gone", "outreach")
    accounts.set_disabled(session, actor_of(admin), gone.id, True, now=T0)
    before = hasher.verified

    errors = [
        refused(sign_in, session, settings, "nobody", PASSWORD),
        refused(sign_in, session, settings, "olga", WRONG),
        refused(sign_in, session, settings, "gone", PASSWORD),  # the right password
        refused(sign_in, session, settings, "gone", WRONG),
    ]

    assert {(e.key, e.field, tuple(e.params.items())) for e in errors} == {
        ("signin.failed", None, ())
    }
    # Every one cost one argon2 check: the time taken does not tell them apart either.
    assert hasher.verified - before == 4
    failed = events(session, "staff.signin_failed")
    assert [(e.detail["username"], e.detail["reason"], e.ip_address) for e in failed] == [
        ("nobody", "unknown_user", IP),
        ("olga", "bad_password", IP),
        ("gone", "disabled", IP),
        ("gone", "disabled", IP),
    ]
    assert all(e.actor == "anonymous" and e.at == T0 for e in failed)
    # A disabled account's tries count nothing: no throttle or lock tells it exists.
    assert reload(session, gone).failed_logins == 0


def test_an_unknown_user_costs_a_real_argon2_check(session, settings, hasher):
    refused(sign_in, session, settings, "nobody", PASSWORD)
    refused(sign_in, session, settings, "", PASSWORD)

    assert hasher.verified == 2


def test_an_overlong_password_is_refused_without_hashing(session, settings, hasher):
    make_user(session, settings, "olga", "outreach")

    error = refused(sign_in, session, settings, "olga", "x" * 10_000)

    assert error.key == "signin.failed"
    assert hasher.verified == 0
    assert session.scalar(select(StaffUser.failed_logins).where(StaffUser.username == "olga")) == 1


def test_a_successful_sign_in_is_audited_with_who_how_and_where(session, settings):
    user = make_user(session, settings, "olga", "outreach")

    sign_in(session, settings, "olga", ip=OTHER_IP)

    (event,) = events(session, "staff.signed_in")
    assert (event.actor, event.subject, event.ip_address, event.at) == (
        "staff:olga",
        f"staff_user:{user.id}",
        OTHER_IP,
        T0,
    )
    assert event.detail["method"] == "password"
    assert event.detail["user_agent"] == AGENT


def test_a_success_forgives_earlier_failures(session, settings):
    user = make_user(session, settings, "olga", "outreach")
    at = fail(session, settings, "olga", T0, 3)

    sign_in(session, settings, "olga", at=at + 5 * SECOND)

    assert (user.failed_logins, user.next_login_at) == (0, None)
    # Counting starts again: two failures do not throttle.
    fail(session, settings, "olga", at + 10 * SECOND, 2)
    assert reload(session, user).next_login_at is None


def test_a_stronger_hasher_rehashes_at_the_next_sign_in(session, settings, monkeypatch):
    user = make_user(session, settings, "olga", "outreach")
    old_hash = user.password_hash
    monkeypatch.setattr(passwords, "_HASHER", CountingHasher(time_cost=2))

    sign_in(session, settings, "olga")

    assert user.password_hash != old_hash
    assert "t=2" in user.password_hash
    assert passwords.check_password(user.password_hash, PASSWORD)


# --- throttle and lock ------------------------------------------------------------------------


def test_after_the_throttle_count_the_next_try_waits_exactly_one_second(session, settings, hasher):
    user = make_user(session, settings, "olga", "outreach")
    at = fail(session, settings, "olga", T0, settings.login_throttle_after - 1)
    assert user.next_login_at is None  # not yet

    fail(session, settings, "olga", at, 1)
    assert user.next_login_at == at + SECOND

    checks = hasher.verified
    early = refused(sign_in, session, settings, "olga", PASSWORD, at + SECOND - timedelta(0, 0, 1))
    assert (early.key, early.params) == ("signin.throttled", {"seconds": 1})
    assert hasher.verified == checks  # not even the right password is looked at
    assert user.failed_logins == settings.login_throttle_after  # and nothing is counted
    (refusal,) = events(session, "staff.signin_refused")
    assert (refusal.detail["username"], refusal.ip_address) == ("olga", IP)

    assert sign_in(session, settings, "olga", at=at + SECOND).next_step == "done"


def test_throttle_waits_double_up_to_a_minute(session, settings):
    patient = dataclasses.replace(settings, login_throttle_after=3, login_lock_after=20)
    user = make_user(session, settings, "olga", "outreach")
    at = fail(session, patient, "olga", T0, 2)
    waits = []
    for _ in range(9):
        at = fail(session, patient, "olga", at, 1)
        waits.append((user.next_login_at - at).total_seconds())

    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_the_throttle_reports_whole_seconds_left(session, settings):
    user = make_user(session, settings, "olga", "outreach")
    at = fail(session, settings, "olga", T0, 5)  # the 5th failure asks for 4 s
    assert user.next_login_at == at + 4 * SECOND

    error = refused(sign_in, session, settings, "olga", PASSWORD, at + timedelta(seconds=1.5))

    assert error.params == {"seconds": 3}


def test_the_account_locks_at_exactly_the_lock_count(session, settings):
    user = make_user(session, settings, "olga", "outreach")
    at = fail(session, settings, "olga", T0, settings.login_lock_after - 1)
    assert user.locked_until is None
    at = user.next_login_at

    error = refused(sign_in, session, settings, "olga", WRONG, at)

    assert (error.key, error.params) == ("signin.locked", {"minutes": settings.login_lock_minutes})
    assert user.locked_until == at + timedelta(minutes=settings.login_lock_minutes)
    (locked,) = events(session, "staff.locked")
    assert (locked.subject, locked.ip_address, locked.detail["failures"]) == (
        f"staff_user:{user.id}",
        IP,
        settings.login_lock_after,
    )
    assert len(events(session, "staff.signin_failed")) == settings.login_lock_after


def test_a_locked_account_refuses_even_the_right_password_until_the_lock_ends(
    session, settings, hasher
):
    user = make_user(session, settings, "olga", "outreach")
    fail(session, settings, "olga", T0, settings.login_lock_after)
    until = user.locked_until
    checks = hasher.verified

    error = refused(sign_in, session, settings, "olga", PASSWORD, until - 10 * MINUTE - SECOND)

    assert (error.key, error.params) == ("signin.locked", {"minutes": 11})
    assert refused(sign_in, session, settings, "olga", PASSWORD, until - SECOND).params == {
        "minutes": 1
    }
    assert hasher.verified == checks
    assert sign_in(session, settings, "olga", at=until).next_step == "done"
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_after_a_lock_ends_one_more_failure_locks_again(session, settings):
    user = make_user(session, settings, "olga", "outreach")
    fail(session, settings, "olga", T0, settings.login_lock_after)
    until = user.locked_until

    error = refused(sign_in, session, settings, "olga", WRONG, until)

    assert error.key == "signin.locked"
    assert user.locked_until == until + timedelta(minutes=settings.login_lock_minutes)


def test_a_lock_is_committed_even_though_the_caller_rolls_back(engine, settings):
    """The UI's transaction rolls back on the error; the count and lock must stay."""
    with engine.connect() as connection:
        outer = connection.begin()
        open_outer_transaction(connection)
        try:
            setup = Session(bind=connection, join_transaction_mode="create_savepoint")
            make_user(setup, settings, "olga", "outreach")
            setup.commit()
            at = T0
            for _ in range(settings.login_lock_after):
                work = Session(bind=connection, join_transaction_mode="create_savepoint")
                user = work.scalar(select(StaffUser).where(StaffUser.username == "olga"))
                at = max(at, user.next_login_at or at)
                with pytest.raises(DomainError):
                    sign_in(work, settings, "olga", WRONG, at)
                work.rollback()  # what runtime.in_session does on an error
                work.close()
            check = Session(bind=connection, join_transaction_mode="create_savepoint")
            user = check.scalar(select(StaffUser).where(StaffUser.username == "olga"))
            assert user.failed_logins == settings.login_lock_after
            assert user.locked_until is not None
            failed = check.scalars(
                select(AuditEvent).where(AuditEvent.action == "staff.signin_failed")
            ).all()
            assert len(failed) == settings.login_lock_after
            check.close()
        finally:
            outer.rollback()


def test_an_admin_unlocks_an_account(session, settings, admin):
    user = make_user(session, settings, "olga", "outreach")
    fail(session, settings, "olga", T0, settings.login_lock_after)

    summary = accounts.unlock(session, actor_of(admin), user.id, now=T0)

    assert summary.locked is False
    assert (user.failed_logins, user.locked_until, user.next_login_at) == (0, None, None)
    assert sign_in(session, settings, "olga", at=T0 + SECOND).next_step == "done"
    (event,) = events(session, "staff.unlocked")
    assert (event.actor, event.subject) == ("staff:chief", f"staff_user:{user.id}")


# --- per IP address ---------------------------------------------------------------------------


def test_an_address_with_too_many_failures_waits_whatever_the_name(session, settings):
    make_user(session, settings, "olga", "outreach")
    for n in range(sessions.IP_FAILURE_LIMIT):
        refused(sign_in, session, settings, f"guess{n}", WRONG, T0 + n * SECOND)
    now = T0 + 40 * SECOND

    error = refused(sign_in, session, settings, "olga", PASSWORD, now)

    # Until the first of those failures leaves the window, 15 minutes after it.
    assert (error.key, error.params) == (
        "signin.throttled",
        {"seconds": int((T0 + sessions.IP_WINDOW - now).total_seconds())},
    )
    refusals = events(session, "staff.signin_refused")
    assert [(e.detail["reason"], e.ip_address) for e in refusals] == [("ip_throttled", IP)]
    # Another address is not held up; and refusals do not extend the wait.
    assert sign_in(session, settings, "olga", at=now, ip=OTHER_IP).next_step == "done"
    refused(sign_in, session, settings, "olga", PASSWORD, T0 + sessions.IP_WINDOW - SECOND)
    assert sign_in(session, settings, "olga", at=T0 + sessions.IP_WINDOW).next_step == "done"


def test_an_address_below_the_limit_is_not_held_up(session, settings):
    make_user(session, settings, "olga", "outreach")
    for n in range(sessions.IP_FAILURE_LIMIT - 1):
        refused(sign_in, session, settings, f"guess{n}", WRONG, T0)

    assert sign_in(session, settings, "olga", at=T0 + SECOND).next_step == "done"


# --- the TOTP code ----------------------------------------------------------------------------


def test_a_code_one_step_either_side_is_accepted_and_two_is_not(session, settings):
    user = make_user(session, settings, "pat", "police")

    for steps, good in [(-2, False), (2, False), (-1, True)]:
        token = sign_in(session, settings, "pat").token
        call = (sessions.confirm_totp, session, token, code_at(T0, steps=steps))
        if good:
            call[0](*call[1:], settings=settings, now=T0)
        else:
            assert refused(*call, settings=settings, now=T0).key == "signin.bad_code"
    assert user.totp_last_step == totp.time_step(T0) - 1
    token = sign_in(session, settings, "pat").token
    sessions.confirm_totp(session, token, code_at(T0, steps=1), settings=settings, now=T0)
    assert user.totp_last_step == totp.time_step(T0) + 1


def test_a_code_is_never_accepted_twice(session, settings):
    make_user(session, settings, "pat", "police")
    first = sign_in(session, settings, "pat")
    sessions.confirm_totp(session, first.token, code_at(T0), settings=settings, now=T0)

    second = sign_in(session, settings, "pat", at=T0 + 5 * SECOND)
    error = refused(
        sessions.confirm_totp,
        session,
        second.token,
        code_at(T0),
        settings=settings,
        now=T0 + 5 * SECOND,
    )

    assert (error.key, error.field) == ("signin.bad_code", "code")
    # An older code is refused too, a newer one accepted.
    assert (
        refused(
            sessions.confirm_totp,
            session,
            second.token,
            code_at(T0, steps=-1),
            settings=settings,
            now=T0 + 5 * SECOND,
        ).key
        == "signin.bad_code"
    )
    sessions.confirm_totp(
        session, second.token, code_at(T0, steps=1), settings=settings, now=T0 + 6 * SECOND
    )


def test_a_wrong_code_counts_as_a_failed_sign_in(session, settings):
    user = make_user(session, settings, "pat", "police")
    token = sign_in(session, settings, "pat").token

    error = refused(sessions.confirm_totp, session, token, "000000", settings=settings, now=T0)

    assert (error.key, error.field) == ("signin.bad_code", "code")
    assert user.failed_logins == 1
    (failed,) = events(session, "staff.signin_failed")
    assert (failed.detail["reason"], failed.detail["username"], failed.ip_address) == (
        "bad_code",
        "pat",
        IP,
    )


def test_wrong_codes_are_throttled_and_then_lock(session, settings):
    user = make_user(session, settings, "pat", "police")
    token = sign_in(session, settings, "pat").token
    at = T0
    keys = []
    for _ in range(settings.login_lock_after):
        at = max(at, user.next_login_at or at)
        keys.append(
            refused(sessions.confirm_totp, session, token, "000000", settings=settings, now=at).key
        )
        if user.failed_logins == settings.login_throttle_after:
            early = refused(
                sessions.confirm_totp,
                session,
                token,
                code_at(at),
                settings=settings,
                now=user.next_login_at - timedelta(0, 0, 1),
            )
            assert early.params == {"seconds": 1}  # even the right code waits

    assert keys == ["signin.bad_code"] * (settings.login_lock_after - 1) + ["signin.locked"]
    assert user.locked_until == at + timedelta(minutes=settings.login_lock_minutes)
    assert (
        refused(sessions.confirm_totp, session, token, code_at(at), settings=settings, now=at).key
        == "signin.locked"
    )


def test_the_right_password_does_not_forgive_wrong_codes(session, settings):
    """Else whoever knows the password could guess codes forever, a fresh count each time."""
    user = make_user(session, settings, "pat", "police")
    at = T0
    for _ in range(settings.login_lock_after - 1):
        at = max(at, user.next_login_at or at)
        token = sign_in(session, settings, "pat", at=at).token
        refused(sessions.confirm_totp, session, token, "000000", settings=settings, now=at)
    at = user.next_login_at

    token = sign_in(session, settings, "pat", at=at).token
    error = refused(sessions.confirm_totp, session, token, "000000", settings=settings, now=at)

    assert error.key == "signin.locked"


def test_the_code_must_follow_the_password_within_the_pending_time(session, settings):
    make_user(session, settings, "pat", "police")
    token = sign_in(session, settings, "pat").token
    late = T0 + timedelta(minutes=sessions.PENDING_MINUTES)

    error = refused(
        sessions.confirm_totp, session, token, code_at(late), settings=settings, now=late
    )

    assert error.key == "signin.expired"
    assert sessions.pending_user(session, token, now=late) is None
    assert sessions.pending_step(session, token, now=late) is None


def test_a_second_submit_after_success_returns_the_same_actor(session, settings):
    user = make_user(session, settings, "pat", "police")
    token = sign_in(session, settings, "pat").token
    first = sessions.confirm_totp(session, token, code_at(T0), settings=settings, now=T0)

    again = sessions.confirm_totp(session, token, code_at(T0), settings=settings, now=T0)

    assert first == again == actor_of(user)
    assert len(events(session, "staff.signed_in")) == 1


def test_a_code_for_an_unknown_token_is_refused(session, settings):
    for token in ["", "no-such-token"]:
        error = refused(sessions.confirm_totp, session, token, "123456", settings=settings, now=T0)
        assert error.key == "signin.expired"


def test_signing_in_with_a_code_is_audited(session, settings):
    user = make_user(session, settings, "pat", "police")
    token = sign_in(session, settings, "pat").token
    assert events(session, "staff.signed_in") == []

    sessions.confirm_totp(session, token, code_at(T0), settings=settings, now=T0)

    (event,) = events(session, "staff.signed_in")
    assert (event.actor, event.subject, event.ip_address, event.detail["method"]) == (
        "staff:pat",
        f"staff_user:{user.id}",
        IP,
        "password+totp",
    )
    assert user.last_login_at == T0


# --- enrolment --------------------------------------------------------------------------------


def test_enrolment_from_qr_code_to_first_code(session, settings):
    user = make_user(session, settings, "pat", "police", enrolled=False)
    step = sign_in(session, settings, "pat")
    assert step.next_step == "enrol"
    assert sessions.pending_step(session, step.token, now=T0) == "enrol"

    enrolment = sessions.begin_enrolment(session, step.token, settings=settings, now=T0)

    assert (user.totp_secret, user.totp_enabled_at) == (enrolment.secret, None)
    assert enrolment.uri == pyotp.TOTP(enrolment.secret).provisioning_uri(
        name="pat", issuer_name=settings.program_name
    )
    assert enrolment.qr_data_uri.startswith("data:image/svg+xml;base64,")
    # A reload shows the same secret: the phone that scanned it stays right.
    again = sessions.begin_enrolment(session, step.token, settings=settings, now=T0 + MINUTE)
    assert again.secret == enrolment.secret
    assert sessions.resolve_session(session, step.token, settings=settings, now=T0) is None

    actor = sessions.confirm_totp(
        session,
        step.token,
        code_at(T0 + MINUTE, enrolment.secret),
        settings=settings,
        now=T0 + MINUTE,
    )

    assert actor.role == "police"
    assert user.totp_enabled_at == T0 + MINUTE
    (enrolled,) = events(session, "staff.totp_enrolled")
    assert enrolled.subject == f"staff_user:{user.id}"
    later = T0 + 10 * MINUTE
    assert sign_in(session, settings, "pat", at=later).next_step == "totp"


def test_a_wrong_first_code_leaves_the_secret_pending(session, settings):
    user = make_user(session, settings, "pat", "police", enrolled=False)
    token = sign_in(session, settings, "pat").token
    sessions.begin_enrolment(session, token, settings=settings, now=T0)

    error = refused(sessions.confirm_totp, session, token, "000000", settings=settings, now=T0)

    assert error.key == "signin.bad_code"
    assert user.totp_enabled_at is None
    assert user.failed_logins == 1


def test_a_code_before_enrolment_began_is_refused(session, settings):
    make_user(session, settings, "pat", "police", enrolled=False)
    token = sign_in(session, settings, "pat").token

    error = refused(sessions.confirm_totp, session, token, "123456", settings=settings, now=T0)

    assert error.key == "signin.step_unavailable"


def test_an_enrolled_user_cannot_enrol_again_through_sign_in(session, settings):
    make_user(session, settings, "pat", "police")
    token = sign_in(session, settings, "pat").token

    error = refused(sessions.begin_enrolment, session, token, settings=settings, now=T0)

    assert error.key == "signin.step_unavailable"


def test_enrolment_needs_a_half_signed_in_session(session, settings):
    make_user(session, settings, "olga", "outreach")
    done = sign_in(session, settings, "olga").token

    for token in ["", "no-such-token", done]:
        error = refused(sessions.begin_enrolment, session, token, settings=settings, now=T0)
        assert error.key == "signin.expired"


def test_an_admin_resets_totp_and_the_user_enrols_again(session, settings, admin):
    user = make_user(session, settings, "pat", "police")
    token = signed_in(session, settings, user)

    summary = accounts.reset_totp(session, actor_of(admin), user.id, now=T0 + MINUTE)

    assert summary.totp_enrolled is False
    assert (user.totp_secret, user.totp_enabled_at, user.totp_last_step) == (None, None, None)
    assert sessions.resolve_session(session, token, settings=settings, now=T0 + MINUTE) is None
    assert sign_in(session, settings, "pat", at=T0 + 2 * MINUTE).next_step == "enrol"
    (event,) = events(session, "staff.totp_reset")
    assert (event.actor, event.detail["sessions_ended"]) == ("staff:chief", 1)


# --- sessions ---------------------------------------------------------------------------------


def test_an_empty_or_unknown_token_resolves_to_nobody(session, settings):
    for token in [None, "", "no-such-token"]:
        assert sessions.resolve_session(session, token, settings=settings, now=T0) is None


def test_a_session_ends_when_idle_for_the_idle_limit(session, settings):
    user = make_user(session, settings, "olga", "outreach")
    token = signed_in(session, settings, user)
    idle = timedelta(minutes=settings.staff_idle_minutes)

    assert sessions.resolve_session(session, token, settings=settings, now=T0 + idle - SECOND)
    fresh = signed_in(session, settings, user)
    assert sessions.resolve_session(session, fresh, settings=settings, now=T0 + idle) is None


def test_use_keeps_a_session_alive_but_writes_at_most_once_a_minute(session, settings):
    user = make_user(session, settings, "olga", "outreach")
    token = signed_in(session, settings, user)
    row = session.scalar(select(StaffSession).where(StaffSession.token_sha256 == token_hash(token)))

    sessions.resolve_session(session, token, settings=settings, now=T0 + MINUTE - SECOND)
    assert row.last_seen_at == T0
    sessions.resolve_session(session, token, settings=settings, now=T0 + MINUTE)
    assert row.last_seen_at == T0 + MINUTE
    idle = timedelta(minutes=settings.staff_idle_minutes)
    assert sessions.resolve_session(session, token, settings=settings, now=T0 + idle + SECOND)


def test_a_session_ends_at_its_absolute_limit_however_busy(session, settings):
    user = make_user(session, settings, "olga", "outreach")
    token = signed_in(session, settings, user)
    limit = T0 + timedelta(hours=settings.staff_session_hours)
    at = T0
    while at < limit - 30 * MINUTE:
        at += 30 * MINUTE
        assert sessions.resolve_session(session, token, settings=settings, now=at)

    assert sessions.resolve_session(session, token, settings=settings, now=limit - SECOND)
    assert sessions.resolve_session(session, token, settings=settings, now=limit) is None


def test_shortening_the_session_setting_ends_older_sessions(session, settings):
    user = make_user(session, settings, "olga", "outreach")
    token = signed_in(session, settings, user)
    shorter = dataclasses.replace(settings, staff_session_hours=1.0)

    assert sessions.resolve_session(session, token, settings=shorter, now=T0 + 50 * MINUTE)
    assert sessions.resolve_session(session, token, settings=shorter, now=T0 + 60 * MINUTE) is None


def test_signing_out_revokes_the_session(session, settings):
    user = make_user(session, settings, "pat", "police")
    token = signed_in(session, settings, user)
    other = signed_in(session, settings, user, at=T0 + MINUTE)

    sessions.sign_out(session, token, now=T0 + 2 * MINUTE, ip_address=OTHER_IP)
    sessions.sign_out(session, token, now=T0 + 3 * MINUTE)  # twice: nothing more
    sessions.sign_out(session, "no-such-token", now=T0)
    sessions.sign_out(session, "", now=T0)

    assert sessions.resolve_session(session, token, settings=settings, now=T0 + 2 * MINUTE) is None
    assert sessions.resolve_session(session, other, settings=settings, now=T0 + 2 * MINUTE)
    (event,) = events(session, "staff.signed_out")
    assert (event.actor, event.subject, event.ip_address, event.at) == (
        "staff:pat",
        f"staff_user:{user.id}",
        OTHER_IP,
        T0 + 2 * MINUTE,
    )


def test_disabling_ends_every_session_at_once(session, settings, admin):
    user = make_user(session, settings, "pat", "police")
    # A code per sign-in: the same one twice would be refused as a replay.
    tokens = [signed_in(session, settings, user, at=T0 + n * 30 * SECOND) for n in range(2)]
    pending = sign_in(session, settings, "pat", at=T0 + 35 * SECOND).token

    summary = accounts.set_disabled(session, actor_of(admin), user.id, True, now=T0 + MINUTE)

    assert summary.disabled is True
    for token in tokens:
        assert sessions.resolve_session(session, token, settings=settings, now=T0 + MINUTE) is None
    assert (
        refused(
            sessions.confirm_totp,
            session,
            pending,
            code_at(T0 + MINUTE),
            settings=settings,
            now=T0 + MINUTE,
        ).key
        == "signin.expired"
    )
    (event,) = events(session, "staff.disabled")
    assert (event.actor, event.ip_address, event.detail["sessions_ended"]) == ("staff:chief", IP, 3)


def test_a_disabled_account_is_refused_even_if_a_session_escaped_revocation(session, settings):
    user = make_user(session, settings, "olga", "outreach")
    token = signed_in(session, settings, user)

    user.disabled_at = T0  # without set_disabled: resolve_session checks the account itself
    session.flush()

    assert sessions.resolve_session(session, token, settings=settings, now=T0) is None


def test_re_enabling_lets_them_sign_in_again_but_old_sessions_stay_ended(session, settings, admin):
    user = make_user(session, settings, "olga", "outreach")
    token = signed_in(session, settings, user)
    accounts.set_disabled(session, actor_of(admin), user.id, True, now=T0)

    accounts.set_disabled(session, actor_of(admin), user.id, False, now=T0 + MINUTE)

    assert sessions.resolve_session(session, token, settings=settings, now=T0 + MINUTE) is None
    assert sign_in(session, settings, "olga", at=T0 + MINUTE).next_step == "done"
    assert [e.action for e in events(session, "staff.enabled")] == ["staff.enabled"]


def test_an_admin_cannot_disable_themself(session, settings, admin):
    error = refused(accounts.set_disabled, session, actor_of(admin), admin.id, True)

    assert error.key == "staff.cannot_disable_self"
    assert admin.disabled_at is None


def test_a_locked_account_s_sessions_stop_until_it_is_unlocked(session, settings, admin):
    user = make_user(session, settings, "olga", "outreach")
    token = signed_in(session, settings, user)
    at = fail(session, settings, "olga", T0 + SECOND, settings.login_lock_after)

    assert sessions.resolve_session(session, token, settings=settings, now=at) is None
    accounts.unlock(session, actor_of(admin), user.id, now=at)
    assert sessions.resolve_session(session, token, settings=settings, now=at)


def test_a_new_password_ends_the_sessions_and_replaces_the_old_one(session, settings, admin):
    user = make_user(session, settings, "olga", "outreach")
    token = signed_in(session, settings, user)

    accounts.reset_password(session, actor_of(admin), user.id, "a brand new passphrase", now=T0)

    assert sessions.resolve_session(session, token, settings=settings, now=T0) is None
    assert refused(sign_in, session, settings, "olga", PASSWORD, T0).key == "signin.failed"
    assert sign_in(session, settings, "olga", "a brand new passphrase", T0).next_step == "done"
    (event,) = events(session, "staff.password_reset")
    assert (event.actor, event.detail["sessions_ended"]) == ("staff:chief", 1)
    assert "a brand new passphrase" not in str(event.detail)


def test_a_new_password_meets_the_policy(session, settings, admin):
    user = make_user(session, settings, "olga", "outreach")

    with pytest.raises(ValidationFailed) as caught:
        accounts.reset_password(session, actor_of(admin), user.id, "olga olga olga")

    assert caught.value.errors == {"password": "staff.password_has_username"}


def test_the_staff_list_shows_each_account_s_state(session, settings, admin):
    locked = make_user(session, settings, "lou", "outreach")
    gone = make_user(session, settings, "gone", "supervisor")
    fresh = make_user(session, settings, "newbie", "police", enrolled=False)
    fail(session, settings, "lou", T0, settings.login_lock_after)
    accounts.set_disabled(session, actor_of(admin), gone.id, True, now=T0)
    signed_in(session, settings, admin)

    rows = {row.username: row for row in accounts.list_staff(session, actor_of(admin), now=T0)}

    assert list(rows) == ["chief", "gone", "lou", "newbie"]
    assert rows["chief"] == accounts.StaffSummary(
        admin.id, "chief", "Chief Example", "admin", False, False, True, T0
    )
    assert (rows["lou"].id, rows["lou"].locked, rows["lou"].disabled) == (locked.id, True, False)
    assert (rows["gone"].disabled, rows["gone"].locked) == (True, False)
    assert (rows["newbie"].id, rows["newbie"].totp_enrolled) == (fresh.id, False)
    assert rows["newbie"].last_login_at is None
    later = T0 + timedelta(minutes=settings.login_lock_minutes, hours=1)
    assert accounts.list_staff(session, actor_of(admin), now=later)[2].locked is False


# --- command line -----------------------------------------------------------------------------


def run_cli(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess:
    """``python -m camshare.cli ARGS`` on ``database_url``; no password unless given."""
    environment = {k: v for k, v in os.environ.items() if k != "CAMSHARE_ADMIN_PASSWORD"}
    environment.update(CAMSHARE_DATABASE_URL=database_url, **env)
    return subprocess.run(
        [sys.executable, "-m", "camshare.cli", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        # No terminal and no input: getpass cannot wait on the developer's keyboard.
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.fixture
def cli_database(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run_cli(url, "migrate").returncode == 0
    return url


def staff_rows(url: str) -> list[StaffUser]:
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(StaffUser).order_by(StaffUser.username)))
    finally:
        engine.dispose()


def test_create_admin_makes_the_first_admin(cli_database):
    made = run_cli(
        cli_database,
        "create-admin",
        "Chief",
        "--name",
        "Chief Admin",
        CAMSHARE_ADMIN_PASSWORD=PASSWORD,
    )

    assert made.returncode == 0, made.stderr
    assert "created admin chief" in made.stdout
    assert PASSWORD not in made.stdout + made.stderr
    (user,) = staff_rows(cli_database)
    assert (user.username, user.display_name, user.role, user.totp_secret) == (
        "chief",
        "Chief Admin",
        "admin",
        None,
    )
    assert passwords.check_password(user.password_hash, PASSWORD)

    again = run_cli(
        cli_database,
        "create-admin",
        "CHIEF",
        "--name",
        "Someone Else",
        CAMSHARE_ADMIN_PASSWORD=PASSWORD,
    )
    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert len(staff_rows(cli_database)) == 1


def test_create_admin_refuses_a_weak_password(cli_database):
    made = run_cli(
        cli_database, "create-admin", "chief", "--name", "Chief", CAMSHARE_ADMIN_PASSWORD="short"
    )

    assert made.returncode == 2
    assert "staff.password_too_short" in made.stderr
    assert staff_rows(cli_database) == []


def test_create_admin_without_a_password_to_read_says_so(cli_database):
    made = run_cli(cli_database, "create-admin", "chief", "--name", "Chief")

    assert made.returncode == 2
    assert "no password given" in made.stderr
    assert "Traceback" not in made.stderr
    assert staff_rows(cli_database) == []


def test_create_admin_asks_twice_when_no_password_is_in_the_environment(monkeypatch):
    monkeypatch.delenv("CAMSHARE_ADMIN_PASSWORD", raising=False)
    answers = iter([PASSWORD, PASSWORD, PASSWORD, "a different one"])
    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return next(answers)

    monkeypatch.setattr(cli.getpass, "getpass", fake_getpass)

    assert cli._admin_password() == PASSWORD
    assert cli._admin_password() is None  # the two differ
    assert len(prompts) == 4


def test_seed_demo_makes_demo_staff_in_demo_mode_only(cli_database, tmp_path):
    seeded = run_cli(cli_database, "seed-demo", CAMSHARE_DEMO_MODE="true")

    assert seeded.returncode == 0, seeded.stderr
    assert seeded.stdout.strip().endswith("/join/PARK25")  # stdout stays the URL run.sh shows
    assert "DEMO" in seeded.stderr
    assert "CAMSHAREDEMOOFFICERAAAAAAAAAAAAA" in seeded.stderr
    users = {u.username: u for u in staff_rows(cli_database)}
    assert {name: u.role for name, u in users.items()} == {
        "admin": "admin",
        "officer": "police",
        "outreach": "outreach",
        "supervisor": "supervisor",
    }
    assert users["officer"].totp_secret == "CAMSHAREDEMOOFFICERAAAAAAAAAAAAA"
    assert users["officer"].totp_enabled_at is not None
    assert users["outreach"].totp_secret is None
    assert passwords.check_password(users["admin"].password_hash, cli.DEMO_STAFF_PASSWORD)
    assert run_cli(cli_database, "seed-demo", CAMSHARE_DEMO_MODE="true").returncode == 0
    assert len(staff_rows(cli_database)) == 4

    real = f"sqlite:///{tmp_path / 'real.db'}"
    assert run_cli(real, "migrate").returncode == 0
    assert run_cli(real, "seed-demo", CAMSHARE_DEMO_MODE="false").returncode == 0
    assert staff_rows(real) == []


def test_the_page_adds_an_account_and_gets_it_as_listed(session, settings, admin):
    listed = accounts.add_staff_account(
        session,
        actor_of(admin),
        "Dana",
        "Dana Example",
        "outreach",
        PASSWORD,
        phone_e164=None,
        settings=settings,
    )
    assert not isinstance(listed, StaffUser)
    assert listed == accounts.summarize(session.get(StaffUser, listed.id))
    assert (listed.username, listed.role, listed.disabled) == ("dana", "outreach", False)
    assert [e.subject for e in events(session, "staff.created")][-1] == f"staff_user:{listed.id}"


def test_the_page_never_adds_an_account_without_an_admin(session, settings):
    with pytest.raises(Forbidden):
        accounts.add_staff_account(
            session, None, "dana", "Dana Example", "outreach", PASSWORD, settings=settings
        )


def test_a_sign_in_needing_no_code_ends_in_a_handoff_code(session, settings):
    user = make_user(session, settings, "olga", "outreach")
    done = sessions.sign_in_and_hand_off(
        session, "olga", PASSWORD, ip_address=IP, user_agent=AGENT, settings=settings, now=T0
    )
    assert done.step.next_step == "done"
    token = redeem_handoff(session, "staff", done.handoff, settings, T0)
    assert sessions.resolve_session(session, token, settings=settings, now=T0).user_id == user.id


def test_a_sign_in_needing_a_code_hands_off_only_once_the_code_is_right(session, settings):
    user = make_user(session, settings, "paz", "police")
    done = sessions.sign_in_and_hand_off(
        session, "paz", PASSWORD, ip_address=IP, user_agent=AGENT, settings=settings, now=T0
    )
    assert (done.step.next_step, done.handoff) == ("totp", "")
    with pytest.raises(DomainError):
        sessions.confirm_totp_and_hand_off(session, done.step.token, "000000", settings, T0)
    code = sessions.confirm_totp_and_hand_off(session, done.step.token, code_at(T0), settings, T0)
    token = redeem_handoff(session, "staff", code, settings, T0)
    assert sessions.resolve_session(session, token, settings=settings, now=T0).user_id == user.id

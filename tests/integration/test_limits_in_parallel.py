"""Every "at most N" rule holds when the requests arrive together, on each database.

Each request runs in its own session on its own connection, all released at once by a
barrier (tests/support/parallel.py), as twenty tabs or a script would send them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from camshare.models import OutboxMessage, Owner, OwnerSession, PhoneVerification, StaffUser
from camshare.services.errors import DomainError
from camshare.services.owners import account as owner_account
from camshare.services.owners.links import new_owner_link
from camshare.services.registration import verification
from camshare.services.staff import accounts, sessions
from tests.support.hashers import CountingHasher, installed
from tests.support.parallel import all_at_once, tally, wide_factory
from tests.unit.builders import PHONE, PHONE_E164, clock, last_code, walk_to, wrong_code

IP = "203.0.113.7"
PASSWORD = "a long staff passphrase"
WRONG = "not the passphrase at all"


@pytest.fixture
def factory(factory, database_url):
    """The shared factory (its tables emptied afterwards), as wide as a burst."""
    with wide_factory(database_url) as wide:
        yield wide


def codes_issued(factory, **where) -> int:
    with factory() as session:
        query = select(func.count(PhoneVerification.id))
        for column, value in where.items():
            query = query.where(getattr(PhoneVerification, column) == value)
        return session.scalar(query)


def texts_queued(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count(OutboxMessage.id)))


@pytest.fixture
def owner_phone(factory, settings):
    """A registered owner's number, with none of the sign-up's texts left in the outbox."""
    with factory() as session, session.begin():
        walk_to(session, settings, "done", now=clock() - timedelta(hours=2))
    with factory() as session, session.begin():
        session.query(OutboxMessage).delete()  # the sign-up's own texts
    return PHONE


# --- codes per number, per address, per installation ----------------------------------------


def ask_for_codes(factory, settings, phone, ip, times: int = 20) -> list:
    """``times`` sign-in code requests at once; ``phone`` and ``ip`` take the request's n."""
    now = clock()
    return all_at_once(
        factory,
        lambda session, n: (
            owner_account.send_signin_code(session, phone(n), settings, ip(n), now=now).phone_e164
        ),
        times=times,
    )


def one_address(n: int) -> str:
    return IP


def many_addresses(n: int) -> str:
    return f"198.51.100.{n}"


def many_numbers(n: int) -> str:
    return f"(214) 555-01{n:02d}"


def test_twenty_tabs_asking_for_a_sign_in_code_get_one_code(factory, settings, owner_phone):
    answers = ask_for_codes(factory, settings, lambda n: owner_phone, many_addresses)

    assert tally(answers)[PHONE_E164] == 1
    assert tally(answers)["error.code_resend_wait"] == 19
    assert codes_issued(factory, purpose="signin") == 1
    assert texts_queued(factory) == 1


def test_twenty_tabs_of_one_sign_up_get_one_code(factory, settings):
    now = clock()
    with factory() as session, session.begin():
        walk = walk_to(session, settings, "verify", now=now)

    answers = all_at_once(
        factory,
        lambda session, n: (
            (
                verification.send_code(session, walk.key, settings, many_addresses(n), now=now)
            ).phone_e164
        ),
    )

    assert tally(answers)[PHONE_E164] == 1
    assert codes_issued(factory) == 1


def test_twenty_five_numbers_from_one_address_get_exactly_the_cap(factory, settings):
    answers = ask_for_codes(factory, settings, many_numbers, one_address, times=25)

    assert tally(answers)["error.code_too_many_from_here"] == 25 - settings.otp_per_ip_per_hour
    assert codes_issued(factory, ip_address=IP) == settings.otp_per_ip_per_hour


def test_one_number_asked_from_many_addresses_gets_at_most_its_hourly_cap(factory, settings):
    # No resend wait, so only the number's hourly cap stands between the requests.
    settings = dataclasses.replace(settings, otp_resend_seconds=0)
    answers = ask_for_codes(factory, settings, lambda n: "(214) 555-0100", many_addresses)

    assert tally(answers)["error.code_too_many_for_phone"] == 20 - settings.otp_per_phone_per_hour
    assert codes_issued(factory) == settings.otp_per_phone_per_hour


def test_the_installation_ceiling_holds_when_everyone_asks_at_once(factory, settings):
    settings = dataclasses.replace(settings, otp_per_hour_total=7)
    answers = ask_for_codes(factory, settings, many_numbers, many_addresses)

    assert tally(answers)["error.code_busy"] == 20 - 7
    assert codes_issued(factory) == 7


# --- wrong codes ------------------------------------------------------------------------------


def test_twenty_wrong_sign_in_codes_at_once_leave_the_allowed_tries_and_a_dead_code(
    factory, settings, owner_phone
):
    now = clock()
    with factory() as session, session.begin():
        owner_account.send_signin_code(session, owner_phone, settings, IP, now=now)
    with factory() as session:
        right = last_code(session)

    def wrong(session, n):
        try:
            owner_account.sign_in_with_code(
                session, owner_phone, wrong_code(right), settings, IP, now=now
            )
        except DomainError as error:
            return (error.key, error.params.get("left"))
        return "signed in"

    answers = tally(all_at_once(factory, wrong))

    allowed = settings.otp_max_attempts - 1  # the last wrong try kills the code
    assert sum(n for (key, _), n in answers.items() if key == "error.code_wrong") == allowed
    assert {left for key, left in answers if key == "error.code_wrong"} == set(range(1, 5))
    with factory() as session:
        assert session.scalar(select(PhoneVerification.failed_attempts)) == 5
        with pytest.raises(DomainError) as refused:
            owner_account.sign_in_with_code(session, owner_phone, right, settings, IP, now=now)
    assert refused.value.key == "error.code_too_many_tries"


def test_twenty_wrong_sign_up_codes_at_once_leave_the_allowed_tries(factory, settings):
    now = clock()
    with factory() as session, session.begin():
        walk = walk_to(session, settings, "verify", now=now)
        verification.send_code(session, walk.key, settings, IP, now=now)
    with factory() as session:
        right = last_code(session)

    answers = all_at_once(
        factory,
        lambda session, n: (
            verification.check_code(
                session, walk.key, wrong_code(right), settings, now=now
            ).error_key
        ),
    )

    assert tally(answers)["error.code_wrong"] == settings.otp_max_attempts - 1
    with factory() as session:
        late = verification.check_code(session, walk.key, right, settings, now=now)
    assert late.error_key == "error.code_too_many_tries"


# --- staff sign-in ----------------------------------------------------------------------------


@pytest.fixture
def hasher(monkeypatch) -> Iterator[CountingHasher]:
    yield from installed(monkeypatch, CountingHasher())


def outreach_user(factory, settings, username: str = "olga") -> None:
    with factory() as session, session.begin():
        accounts.create_staff_user(
            session,
            None,
            username,
            "Olga Example",
            "outreach",
            PASSWORD,
            settings=settings,
            bootstrap=True,
        )


def assert_locked_after_the_limit(factory, settings, answers, refusal: str) -> None:
    """The burst of 20 got ``refusal`` until the limit, then the lock; the account is locked."""
    assert answers[refusal] == settings.login_lock_after - 1
    assert answers["signin.locked"] == 20 - answers[refusal]
    with factory() as session:
        user = session.scalar(select(StaffUser))
        assert user.failed_logins == settings.login_lock_after
        assert user.locked_until is not None


def wrong_password(settings, username="olga", ip=IP):
    now = clock()

    def attempt(session, n):
        sessions.sign_in(
            session,
            username if isinstance(username, str) else username(n),
            WRONG,
            ip_address=ip if isinstance(ip, str) else ip(n),
            user_agent="test",
            settings=settings,
            now=now,
        )

    return attempt


def test_twenty_wrong_passwords_at_once_lock_the_account_after_the_limit(factory, settings, hasher):
    # Throttling first would hide the lock: here only the lock stops the burst.
    settings = dataclasses.replace(settings, login_throttle_after=settings.login_lock_after)
    outreach_user(factory, settings)
    hasher.verified = 0

    answers = tally(all_at_once(factory, wrong_password(settings, ip=many_addresses)))

    assert hasher.verified == settings.login_lock_after
    assert_locked_after_the_limit(factory, settings, answers, "signin.failed")


def test_wrong_passwords_at_once_are_throttled_after_the_throttle_count(factory, settings, hasher):
    outreach_user(factory, settings)
    hasher.verified = 0

    answers = tally(all_at_once(factory, wrong_password(settings)))

    assert hasher.verified == settings.login_throttle_after
    assert answers["signin.failed"] == settings.login_throttle_after
    assert answers["signin.throttled"] == 20 - settings.login_throttle_after


def test_one_address_spraying_names_at_once_is_refused_after_its_limit(factory, settings, hasher):
    hasher.verified = 0
    attempt = wrong_password(settings, username=lambda n: f"nobody{n}")

    answers = tally(all_at_once(factory, attempt, times=sessions.IP_FAILURE_LIMIT + 6))

    assert answers["signin.failed"] == sessions.IP_FAILURE_LIMIT
    assert answers["signin.throttled"] == 6
    assert hasher.verified == sessions.IP_FAILURE_LIMIT


# --- links that work once ---------------------------------------------------------------------


def test_a_manage_link_tapped_twenty_times_at_once_signs_in_once(factory, settings, owner_phone):
    with factory() as session, session.begin():
        owner = session.scalar(select(Owner))
        token = new_owner_link(session, owner, "manage", settings.manage_link_hours)

    answers = all_at_once(
        factory,
        lambda session, n: bool(owner_account.sign_in_with_link(session, token, settings, IP)),
    )

    assert tally(answers)[True] == 1
    assert tally(answers)["owner.link_invalid"] == 19
    with factory() as session:
        assert session.scalar(select(func.count(OwnerSession.id))) == 1


def test_twenty_wrong_authenticator_codes_at_once_lock_the_account_after_the_limit(
    factory, settings, hasher
):
    settings = dataclasses.replace(settings, login_throttle_after=settings.login_lock_after)
    now = clock()
    with factory() as session, session.begin():
        user = accounts.create_staff_user(
            session,
            None,
            "sam",
            "Sam Example",
            "supervisor",
            PASSWORD,
            settings=settings,
            bootstrap=True,
        )
        user.totp_secret, user.totp_enabled_at = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", now
    with factory() as session, session.begin():
        step = sessions.sign_in(
            session, "sam", PASSWORD, ip_address=IP, user_agent="test", settings=settings, now=now
        )
    wrong = "000000" if pyotp.TOTP(user.totp_secret).at(now) != "000000" else "111111"

    answers = tally(
        all_at_once(
            factory,
            lambda session, n: sessions.confirm_totp(
                session, step.token, wrong, settings=settings, now=now
            ),
        )
    )

    assert_locked_after_the_limit(factory, settings, answers, "signin.bad_code")

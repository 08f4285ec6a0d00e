"""Staff passwords (argon2, the policy) and the TOTP second factor, without a database."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from argon2 import PasswordHasher

from camshare.services.staff import passwords, totp

NOW = datetime(2026, 5, 4, 14, 0, 10, tzinfo=UTC)  # 10 s into a 30-second step
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def code(step_offset: int = 0, at: datetime = NOW, secret: str = SECRET) -> str:
    """The code an authenticator app shows ``step_offset`` steps away from ``at``."""
    return pyotp.TOTP(secret).at(at + timedelta(seconds=30 * step_offset))


# --- passwords --------------------------------------------------------------------------------


def test_a_password_hashes_with_argon2id_and_checks():
    stored = passwords.hash_password("correct horse battery")

    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored
    assert passwords.check_password(stored, "correct horse battery")


def test_the_same_password_hashes_differently_each_time():
    assert passwords.hash_password("correct horse battery") != passwords.hash_password(
        "correct horse battery"
    )


@pytest.mark.parametrize(
    "attempt", ["correct horse batterY", "", "correct horse battery ", "x" * 300]
)
def test_a_wrong_password_is_false_not_an_error(attempt):
    stored = passwords.hash_password("correct horse battery")

    assert passwords.check_password(stored, attempt) is False


@pytest.mark.parametrize("stored", ["", "not-a-hash", "$argon2id$v=19$broken"])
def test_a_malformed_stored_hash_never_matches(stored):
    assert passwords.check_password(stored, "correct horse battery") is False


def test_a_hash_with_weaker_parameters_needs_rehashing():
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("pw")

    assert passwords.needs_rehash(weak)
    assert not passwords.needs_rehash(passwords.hash_password("pw"))
    assert passwords.needs_rehash("not-a-hash")


def test_spending_a_check_on_an_unknown_user_costs_an_argon2_verify(monkeypatch):
    verified: list[str] = []
    real = passwords.check_password

    def spy(stored: str, password: str) -> bool:
        verified.append(stored)
        return real(stored, password)

    monkeypatch.setattr(passwords, "check_password", spy)
    passwords.spend_check("anything at all")

    assert len(verified) == 1
    assert verified[0].startswith("$argon2id$")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("a" * 11, "staff.password_too_short"),
        ("a" * 12, None),
        ("a" * 256, None),
        ("a" * 257, "staff.password_too_long"),
        ("my name is maria.g ok", "staff.password_has_username"),
        ("MY NAME IS MARIA.G OK", "staff.password_has_username"),
        ("maria and garcia", None),
        ("", "staff.password_too_short"),
    ],
)
def test_the_password_policy(password, problem):
    assert passwords.password_problem(password, "maria.g") == problem


def test_the_policy_ignores_a_blank_username():
    assert passwords.password_problem("a long enough password", "") is None


# --- TOTP -------------------------------------------------------------------------------------


def test_a_new_secret_is_160_random_bits_of_base32():
    secret = totp.new_secret()

    assert len(base64.b32decode(secret)) == 20
    assert secret != totp.new_secret()


def test_the_provisioning_uri_names_the_issuer_and_the_user():
    uri = totp.provisioning_uri(SECRET, "maria.g", "Dallas Community Camera Registry")
    parsed = urlparse(uri)
    query = parse_qs(parsed.query)

    assert parsed.scheme == "otpauth"
    assert parsed.netloc == "totp"
    assert unquote(parsed.path) == "/Dallas Community Camera Registry:maria.g"
    assert query["secret"] == [SECRET]
    assert query["issuer"] == ["Dallas Community Camera Registry"]


def test_the_qr_code_is_an_svg_data_uri_on_a_white_background():
    data_uri = totp.qr_svg_data_uri(totp.provisioning_uri(SECRET, "maria.g", "Camshare"))
    prefix = "data:image/svg+xml;base64,"

    assert data_uri.startswith(prefix)
    svg = base64.b64decode(data_uri[len(prefix) :]).decode("utf-8")
    assert "<svg" in svg
    assert "<path" in svg
    assert 'fill="white"' in svg


def test_the_current_code_is_accepted_and_names_its_step():
    assert totp.accepted_step(SECRET, code(), None, NOW) == totp.time_step(NOW)


@pytest.mark.parametrize("offset", [-1, 1])
def test_a_code_one_step_either_side_is_accepted(offset):
    assert totp.accepted_step(SECRET, code(offset), None, NOW) == totp.time_step(NOW) + offset


@pytest.mark.parametrize("offset", [-2, 2])
def test_a_code_two_steps_away_is_refused(offset):
    assert totp.accepted_step(SECRET, code(offset), None, NOW) is None


def test_the_step_edges_follow_the_clock():
    start = datetime(2026, 5, 4, 14, 0, 0, tzinfo=UTC)
    last_second = start + timedelta(seconds=29)

    assert totp.time_step(start) == totp.time_step(last_second)
    assert totp.time_step(start + timedelta(seconds=30)) == totp.time_step(start) + 1
    # At the last second of a step, the code of two steps earlier is still refused.
    assert totp.accepted_step(SECRET, code(-2, at=last_second), None, last_second) is None
    assert totp.accepted_step(SECRET, code(-1, at=last_second), None, last_second) is not None


def test_spaces_in_a_typed_code_are_ignored():
    typed = code()
    spaced = f" {typed[:3]} {typed[3:]} "

    assert totp.accepted_step(SECRET, spaced, None, NOW) == totp.time_step(NOW)


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦"])
def test_malformed_codes_are_refused(typed):
    assert totp.accepted_step(SECRET, typed, None, NOW) is None


def test_a_code_is_never_accepted_twice():
    step = totp.accepted_step(SECRET, code(), None, NOW)

    assert totp.accepted_step(SECRET, code(), step, NOW) is None
    assert totp.accepted_step(SECRET, code(), step, NOW + timedelta(seconds=5)) is None


def test_an_older_code_is_refused_after_a_newer_one_was_used():
    newer = totp.accepted_step(SECRET, code(1), None, NOW)

    assert newer == totp.time_step(NOW) + 1
    assert totp.accepted_step(SECRET, code(0), newer, NOW) is None
    assert totp.accepted_step(SECRET, code(-1), newer, NOW) is None


def test_the_next_code_is_accepted_after_the_last_one():
    used = totp.accepted_step(SECRET, code(), None, NOW)
    later = NOW + timedelta(seconds=30)

    assert totp.accepted_step(SECRET, code(at=later), used, later) == used + 1


def test_another_secrets_code_is_refused():
    other = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"

    assert code(secret=other) != code()
    assert totp.accepted_step(SECRET, code(secret=other), None, NOW) is None


def test_code_at_matches_authenticator_apps():
    assert totp.code_at(SECRET, totp.time_step(NOW)) == pyotp.TOTP(SECRET).at(NOW)

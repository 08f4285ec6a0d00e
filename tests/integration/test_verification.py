"""Verifying the phone: the SMS code, its throttles, and entering it."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest

from camshare.services import registration
from camshare.services.errors import DomainError
from camshare.services.owners import account as owner_account
from camshare.services.registration import verification
from tests.unit.builders import (
    IP,
    PHONE,
    PHONE_E164,
    clock,
    contact,
    draft_row,
    last_code,
    sent_codes,
    verification_rows,
    walk_to,
    wrong_code,
)

MINUTE = timedelta(minutes=1)


@pytest.fixture
def walk(session, settings):
    return walk_to(session, settings, "verify")


def send(session, settings, walk, at, ip=IP):
    return verification.send_code(session, walk.key, settings, ip, now=at)


def check(session, settings, walk, code, at):
    return verification.check_code(session, walk.key, code, settings, now=at)


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def verification_rows_of(session, walk):
    return verification_rows(session, draft_row(session, walk.key).id)


# --- sending ---------------------------------------------------------------------------------


def test_one_sms_with_a_six_digit_code_and_opt_in_wording_is_queued(session, settings, walk):
    sent = send(session, settings, walk, walk.now)

    assert sent.phone_e164 == PHONE_E164
    assert sent.resend_after == settings.otp_resend_seconds
    assert sent.expires_at == walk.now + timedelta(minutes=settings.otp_ttl_minutes)
    session.flush()
    [message] = sent_codes(session)
    assert message.to_e164 == PHONE_E164
    assert message.status == "queued"
    assert message.language == "en"
    assert re.search(r"\b\d{6}\b", message.body)
    assert "Reply STOP" in message.body
    assert settings.program_name in message.body
    assert f"{settings.otp_ttl_minutes} minutes" in message.body


def test_the_code_is_stored_only_as_a_hash(session, settings, walk):
    send(session, settings, walk, walk.now)
    code = last_code(session)

    [row] = verification_rows_of(session, walk)
    assert code not in row.code_sha256
    assert row.phone_e164 == PHONE_E164
    assert row.ip_address == IP


def test_a_spanish_draft_gets_the_code_in_spanish(session, settings):
    walk = walk_to(session, settings, "verify", language="es")

    send(session, settings, walk, walk.now)

    session.flush()
    [message] = sent_codes(session)
    assert message.language == "es"
    assert "su codigo de verificacion es" in message.body
    assert "Responda STOP" in message.body
    assert "Reply STOP" not in message.body
    assert re.search(r"\b\d{6}\b", message.body)


def test_no_code_before_the_agreement_is_signed(session, settings):
    walk = walk_to(session, settings, "agreement")

    assert refused(send, session, settings, walk, walk.now).key == "error.step_unavailable"
    session.flush()
    assert sent_codes(session) == []


def test_a_new_code_within_the_resend_wait_is_refused(session, settings, walk):
    send(session, settings, walk, walk.now)

    error = refused(send, session, settings, walk, walk.now + timedelta(seconds=20))

    assert error.key == "error.code_resend_wait"
    assert error.params == {"seconds": settings.otp_resend_seconds - 20}
    session.flush()
    assert len(sent_codes(session)) == 1


def test_a_new_code_after_the_resend_wait_replaces_the_old_one(session, settings, walk):
    send(session, settings, walk, walk.now)
    first = last_code(session)

    send(session, settings, walk, walk.now + timedelta(seconds=settings.otp_resend_seconds))
    second = last_code(session)

    assert len(sent_codes(session)) == 2
    at = walk.now + 2 * MINUTE
    if first != second:
        assert check(session, settings, walk, first, at).error_key == "error.code_wrong"
    assert check(session, settings, walk, second, at).ok


def test_codes_per_phone_are_capped_per_hour(session, settings, walk):
    gap = timedelta(seconds=settings.otp_resend_seconds)
    for n in range(settings.otp_per_phone_per_hour):
        send(session, settings, walk, walk.now + n * gap)

    later = walk.now + settings.otp_per_phone_per_hour * gap
    assert refused(send, session, settings, walk, later).key == "error.code_too_many_for_phone"
    session.flush()
    assert len(sent_codes(session)) == settings.otp_per_phone_per_hour

    # An hour after the first code, one more is allowed.
    send(session, settings, walk, walk.now + timedelta(hours=1, seconds=1))
    assert len(sent_codes(session)) == settings.otp_per_phone_per_hour + 1


def test_the_phone_cap_counts_codes_from_every_draft(session, settings):
    now = clock()
    gap = timedelta(seconds=settings.otp_resend_seconds)
    for n in range(settings.otp_per_phone_per_hour):
        walk = walk_to(session, settings, "verify", now=now)
        send(session, settings, walk, now + n * gap, ip=None)

    walk = walk_to(session, settings, "verify", now=now)
    later = now + settings.otp_per_phone_per_hour * gap
    error = refused(send, session, settings, walk, later, ip=None)

    assert error.key == "error.code_too_many_for_phone"


def test_the_resend_wait_is_per_number_whichever_draft_asks(session, settings):
    """One code per number per resend wait: a second tab's draft cannot double the texts."""
    now = clock()
    send(session, settings, walk_to(session, settings, "verify", now=now), now, ip=None)

    other = walk_to(session, settings, "verify", now=now)
    error = refused(send, session, settings, other, now + timedelta(seconds=1), ip=None)

    assert error.key == "error.code_resend_wait"


def test_the_resend_wait_is_per_purpose(session, settings):
    """A sign-in code for the number (an owner's) does not hold up a sign-up's code."""
    now = clock()
    owner_account.send_signin_code(session, PHONE, settings, None, now=now)

    walk = walk_to(session, settings, "verify", now=now)
    send(session, settings, walk, now + timedelta(seconds=1), ip=None)

    assert len(sent_codes(session)) == 1  # the sign-in went nowhere: no owner has the number


def test_codes_per_ip_address_are_capped_per_hour(session, settings):
    settings = dataclasses.replace(settings, otp_per_ip_per_hour=3)
    now = clock()
    phones = ["214-748-3600", "214-748-3601", "214-748-3602", "214-748-3603"]
    walks = [walk_to(session, settings, "verify", now=now, phone=p) for p in phones]

    for walk in walks[:3]:
        send(session, settings, walk, now)
    error = refused(send, session, settings, walks[3], now + MINUTE)

    assert error.key == "error.code_too_many_from_here"
    session.flush()
    assert sent_codes(session, "+12147483603") == []
    # Another connection is not affected.
    send(session, settings, walks[3], now + MINUTE, ip="198.51.100.20")
    assert len(sent_codes(session, "+12147483603")) == 1


# --- checking ----------------------------------------------------------------------------


def test_the_right_code_marks_the_phone_verified(session, settings, walk):
    send(session, settings, walk, walk.now)

    result = check(session, settings, walk, last_code(session), walk.now + MINUTE)

    assert result == verification.CodeCheck(True)
    draft = draft_row(session, walk.key)
    assert draft.data["phone_verified"] == PHONE_E164
    assert draft.phone_verified_at == walk.now + MINUTE


def test_the_code_may_be_typed_with_spaces_or_a_dash(session, settings, walk):
    send(session, settings, walk, walk.now)
    code = last_code(session)

    result = check(session, settings, walk, f" {code[:3]}-{code[3:]} ", walk.now + MINUTE)

    assert result.ok


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef"])
def test_a_code_that_is_not_six_digits_is_refused_without_costing_a_try(
    session, settings, walk, typed
):
    send(session, settings, walk, walk.now)

    result = check(session, settings, walk, typed, walk.now + MINUTE)

    assert result == verification.CodeCheck(False, "error.code_format")
    [row] = verification_rows_of(session, walk)
    assert row.failed_attempts == 0


def test_a_code_before_any_was_sent_is_refused(session, settings, walk):
    result = check(session, settings, walk, "123456", walk.now)

    assert result == verification.CodeCheck(False, "error.code_none_sent")


def test_wrong_codes_count_down_the_tries(session, settings, walk):
    send(session, settings, walk, walk.now)
    bad = wrong_code(last_code(session))

    results = [
        check(session, settings, walk, bad, walk.now + MINUTE)
        for _ in range(settings.otp_max_attempts - 1)
    ]

    assert [(r.ok, r.error_key, r.left) for r in results] == [
        (False, "error.code_wrong", settings.otp_max_attempts - n)
        for n in range(1, settings.otp_max_attempts)
    ]
    assert "phone_verified" not in draft_row(session, walk.key).data


def test_after_too_many_wrong_tries_even_the_right_code_is_refused(session, settings, walk):
    send(session, settings, walk, walk.now)
    code = last_code(session)

    results = [
        check(session, settings, walk, wrong_code(code), walk.now + MINUTE)
        for _ in range(settings.otp_max_attempts)
    ]
    right = check(session, settings, walk, code, walk.now + 2 * MINUTE)

    assert results[-1] == verification.CodeCheck(False, "error.code_too_many_tries")
    assert right == verification.CodeCheck(False, "error.code_too_many_tries")
    assert "phone_verified" not in draft_row(session, walk.key).data
    assert draft_row(session, walk.key).phone_verified_at is None


def test_a_new_code_after_too_many_tries_can_be_used(session, settings, walk):
    send(session, settings, walk, walk.now)
    for _ in range(settings.otp_max_attempts):
        check(session, settings, walk, wrong_code(last_code(session)), walk.now + MINUTE)

    send(session, settings, walk, walk.now + 2 * MINUTE)
    result = check(session, settings, walk, last_code(session), walk.now + 3 * MINUTE)

    assert result.ok


def test_an_expired_code_is_refused(session, settings, walk):
    send(session, settings, walk, walk.now)

    result = check(session, settings, walk, last_code(session), walk.now + 11 * MINUTE)

    assert result == verification.CodeCheck(False, "error.code_expired")
    assert "phone_verified" not in draft_row(session, walk.key).data


def test_a_code_is_still_good_just_before_it_expires(session, settings, walk):
    send(session, settings, walk, walk.now)

    at = walk.now + timedelta(minutes=settings.otp_ttl_minutes) - timedelta(seconds=1)
    assert check(session, settings, walk, last_code(session), at).ok


def test_a_code_sent_to_the_old_number_does_not_verify_a_new_one(session, settings, walk):
    send(session, settings, walk, walk.now)
    code = last_code(session)
    registration.save_contact(session, walk.key, **contact(phone="469-300-1234"), now=walk.now)

    result = check(session, settings, walk, code, walk.now + MINUTE)

    assert not result.ok
    assert "phone_verified" not in draft_row(session, walk.key).data


def test_codes_stop_for_everyone_at_the_hourly_ceiling(session, settings):
    capped = dataclasses.replace(settings, otp_per_hour_total=1)
    first = walk_to(session, capped, "verify")
    verification.send_code(session, first.key, capped, "198.51.100.1", now=first.now)
    second = walk_to(session, capped, "verify", phone="(469) 555-0111")

    with pytest.raises(DomainError) as refused:
        verification.send_code(session, second.key, capped, "198.51.100.2", now=first.now)
    assert refused.value.key == "error.code_busy"


# The GSM 03.38 basic alphabet (and its extension table's common characters).
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def test_a_spanish_code_sms_stays_in_the_cheap_gsm_alphabet(session, settings):
    walk = walk_to(session, settings, "verify", language="es")
    verification.send_code(session, walk.key, settings, IP, now=walk.now)
    [message] = sent_codes(session)
    assert set(message.body) <= GSM7
    assert "código" not in message.body  # 'ó' would force UCS-2: 70 characters a segment


@pytest.mark.parametrize(
    ("error_code", "message"),
    [
        ("21610", "error.phone_opted_out"),
        ("21614", "error.phone_not_mobile"),
        ("30003", "error.code_not_delivered"),
    ],
)
def test_a_code_the_provider_refused_is_explained(session, settings, error_code, message):
    walk = walk_to(session, settings, "verify")
    verification.send_code(session, walk.key, settings, IP, now=walk.now)
    assert verification.code_delivery_problem(session, walk.key) is None  # on its way

    [sms] = sent_codes(session)
    sms.status, sms.error_code = "failed", error_code
    assert verification.code_delivery_problem(session, walk.key) == message

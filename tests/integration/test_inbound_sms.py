"""Texts owners send: YES/NO with a code answers, STOP/START/HELP, forged and replayed webhooks."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from camshare.models import (
    AccessRecipient,
    AccessRequest,
    AuditEvent,
    InboundSms,
    OutboxMessage,
    Owner,
)
from camshare.services.access import requests
from camshare.services.messaging.outbox import dispatch_due
from camshare.services.messaging.sms import RecordingGateway
from camshare.settings import get_settings
from tests.integration.conftest import post_signed
from tests.support.access_builders import NOW, draft, point_at, registered_owner, staff

INBOUND = "/api/twilio/inbound"
_sids = itertools.count(1)


@pytest.fixture
def asked(client, factory):
    """An open request sent to one owner; returns (phone, reply code, request id)."""
    with factory() as session, session.begin():
        owner = registered_owner(session, point_at(40), language="es")
        police, supervisor = staff(session, "police"), staff(session, "supervisor")
        settings = get_settings()
        created = requests.create_request(session, police, draft(), set(), settings, NOW)
        requests.approve_request(session, supervisor, created.request_id, settings)
        request = session.get(AccessRequest, created.request_id)
        return owner.phone_e164, request.reply_code, request.id


def text_in(client, phone: str, body: str, sid: str | None = None, sign: bool = True):
    form = {
        "MessageSid": sid or f"SM{next(_sids):032d}",
        "From": phone,
        "To": "+12145550000",
        "Body": body,
    }
    return post_signed(client, INBOUND, form, sign=sign)


def answer_of(factory, request_id: int) -> str | None:
    with factory() as session:
        return session.scalar(
            select(AccessRecipient.answer).where(AccessRecipient.request_id == request_id)
        )


@pytest.mark.parametrize(
    ("body", "expected"),
    [("YES {code}", "approved"), ("sí, {code}!", "approved"), ("no {code}", "declined")],
)
def test_a_reply_with_the_code_answers(client, factory, asked, body, expected):
    phone, code, request_id = asked
    response = text_in(client, phone, body.format(code=code.lower()))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Message>" in response.text
    assert code in response.text
    assert answer_of(factory, request_id) == expected


def test_a_reply_without_or_with_a_wrong_code_changes_nothing(client, factory, asked):
    phone, code, request_id = asked
    assert f"SI {code}" in text_in(client, phone, "si").text  # Spanish owner: reminded of the code
    assert "ZZZZ" in text_in(client, phone, "YES ZZZZ").text
    assert answer_of(factory, request_id) is None


def test_someone_elses_number_cannot_answer(client, factory, asked):
    _, code, request_id = asked
    text_in(client, "+12145559876", f"YES {code}")
    assert answer_of(factory, request_id) is None


def test_stop_ends_messages_until_start(client, factory, asked):
    phone, _, _ = asked
    assert "START" in text_in(client, phone, "stop").text
    with factory() as session:
        assert session.scalar(select(Owner.sms_opted_out_at).where(Owner.phone_e164 == phone))
    # The request's SMS was queued before the STOP: it is not sent now.
    dispatch_due(factory, RecordingGateway())
    with factory() as session:
        statuses = session.scalars(
            select(OutboxMessage.status).join(
                AccessRecipient, AccessRecipient.outbox_message_id == OutboxMessage.id
            )
        ).all()
    assert statuses == ["suppressed"]
    text_in(client, phone, "START")
    with factory() as session:
        assert (
            session.scalar(select(Owner.sms_opted_out_at).where(Owner.phone_e164 == phone)) is None
        )


def test_help_says_who_we_are_and_how_to_stop(client, asked):
    phone, _, _ = asked
    reply = text_in(client, phone, "AYUDA").text
    # A Spanish HELP names the agency in Spanish.
    assert "Departamento de Policía de Dallas" in reply
    assert "Dallas Police Department" not in reply
    assert "STOP" in reply


def test_forged_and_unsigned_texts_are_refused(client, factory, asked):
    phone, code, request_id = asked
    form = {"MessageSid": "SM" + "f" * 32, "From": phone, "Body": f"YES {code}"}
    assert post_signed(client, INBOUND, form, sign=False).status_code == 403
    assert post_signed(client, INBOUND, form, token="wrong-token").status_code == 403
    assert answer_of(factory, request_id) is None


def test_a_replayed_webhook_acts_once_and_gets_the_same_reply(client, factory, asked):
    phone, code, _request_id = asked
    first = text_in(client, phone, f"YES {code}", sid="SM" + "e" * 32)
    again = text_in(client, phone, f"YES {code}", sid="SM" + "e" * 32)
    assert first.text == again.text
    with factory() as session:
        received = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "sms.received")
        ).all()
        answered = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "request.answered")
        ).all()
    assert len(received) == 1
    assert len(answered) == 1


def test_answers_after_the_request_closed_are_refused(client, factory, asked):
    phone, code, request_id = asked
    with factory() as session, session.begin():
        request = session.get(AccessRequest, request_id)
        request.status = "closed"
    assert "cerrada" in text_in(client, phone, f"NO {code}").text  # the owner reads Spanish
    assert answer_of(factory, request_id) is None


# --- what a signed caller may send -----------------------------------------------------------

ODD_INBOUND = [
    {"MessageSid": "SM" + "a" * 5000},
    {"MessageSid": "SM" + "a" * 31},
    {"MessageSid": "AC" + "a" * 32},
    {"MessageSid": "SM" + "g" * 32},
    {"MessageSid": "SM" + "a" * 32 + "\n"},
    {"MessageSid": ""},
    {"From": "+1214555" + "0" * 40},
    {"From": "2145550142"},
    {"From": "+12145550142'; --"},
    {"From": ""},
    {"To": "x" * 300},
    {"Body": "YES " + "A" * 5000},
]


@pytest.mark.parametrize(
    "odd", ODD_INBOUND, ids=lambda odd: ",".join(f"{k}:{len(v)}" for k, v in odd.items())
)
def test_a_signed_text_with_odd_fields_is_refused_and_nothing_stored(client, factory, asked, odd):
    phone, code, _request_id = asked
    form = {"MessageSid": f"SM{next(_sids):032d}", "From": phone, "To": "+12145550000"}
    form["Body"] = f"YES {code}"
    form.update(odd)

    response = post_signed(client, INBOUND, form)

    assert response.status_code == 400
    with factory() as session:
        assert session.scalars(select(InboundSms)).all() == []


def test_the_same_text_delivered_twice_at_once_acts_once(client, factory, asked):
    phone, code, request_id = asked
    form = {"MessageSid": f"SM{next(_sids):032d}", "From": phone, "Body": f"YES {code}"}
    start = threading.Barrier(2)

    def deliver(_n):
        start.wait(timeout=30)
        return post_signed(client, INBOUND, form)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(deliver, range(2)))

    assert [r.status_code for r in responses] == [200, 200]
    assert responses[0].text == responses[1].text
    assert answer_of(factory, request_id) == "approved"
    with factory() as session:
        assert len(session.scalars(select(InboundSms)).all()) == 1

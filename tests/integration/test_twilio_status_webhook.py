"""Twilio's delivery reports: signed ones update the outbox, forged ones are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from twilio.request_validator import RequestValidator

from camshare import db
from camshare.api import create_api
from camshare.models import OutboxMessage, Owner
from camshare.settings import get_settings

TOKEN = "test-auth-token"
BASE = "https://registry.example.gov"


@pytest.fixture
def client(monkeypatch, database_url, factory):
    """The API app configured for Twilio, on the test database."""
    monkeypatch.setenv("CAMSHARE_DATABASE_URL", database_url)
    monkeypatch.setenv("CAMSHARE_PUBLIC_BASE_URL", BASE)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    yield TestClient(create_api())
    get_settings.cache_clear()
    db.get_engine.cache_clear()


def post_report(client, form: dict[str, str], *, sign: bool = True, token: str = TOKEN):
    headers = {}
    if sign:
        headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(
            f"{BASE}/api/twilio/status", form
        )
    return client.post("/api/twilio/status", data=form, headers=headers)


def sent_message(factory, sid: str = "SM" + "a" * 32, phone: str = "+12145550142") -> int:
    with factory() as session, session.begin():
        session.add(Owner(phone_e164=phone, full_name="Ada"))
        message = OutboxMessage(
            to_e164=phone,
            body="hi",
            purpose="test",
            language="en",
            status="sent",
            provider_sid=sid,
            provider_status="queued",
        )
        session.add(message)
        session.flush()
        return message.id


def reload(factory, message_id: int) -> OutboxMessage:
    with factory() as session:
        return session.get(OutboxMessage, message_id)


def test_a_signed_delivery_report_updates_the_message(client, factory):
    message_id = sent_message(factory)
    response = post_report(client, {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered"})
    assert response.status_code == 204
    assert reload(factory, message_id).provider_status == "delivered"


def test_forged_and_unsigned_reports_are_refused(client, factory):
    message_id = sent_message(factory)
    form = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "failed"}
    assert post_report(client, form, sign=False).status_code == 403
    assert post_report(client, form, token="someone-elses-token").status_code == 403
    assert reload(factory, message_id).provider_status == "queued"


def test_repeated_and_late_reports_change_nothing_more(client, factory):
    message_id = sent_message(factory)
    sid = "SM" + "a" * 32
    for _ in range(2):
        assert (
            post_report(client, {"MessageSid": sid, "MessageStatus": "delivered"}).status_code
            == 204
        )
    post_report(client, {"MessageSid": sid, "MessageStatus": "sent"})  # arrives late
    assert reload(factory, message_id).provider_status == "delivered"


def test_an_opted_out_recipient_is_recorded(client, factory):
    message_id = sent_message(factory)
    form = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "undelivered", "ErrorCode": "21610"}
    assert post_report(client, form).status_code == 204
    message = reload(factory, message_id)
    assert message.status == "failed"
    assert message.error_code == "21610"
    with factory() as session:
        owner = session.scalar(select(Owner).where(Owner.phone_e164 == "+12145550142"))
        assert owner.sms_opted_out_at is not None

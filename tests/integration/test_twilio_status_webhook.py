"""Twilio's delivery reports: signed ones update the outbox, forged ones are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from camshare.models import OutboxMessage, Owner
from tests.integration.conftest import TWILIO_TOKEN, post_signed


def post_report(client, form: dict[str, str], *, sign: bool = True, token: str = TWILIO_TOKEN):
    return post_signed(client, "/api/twilio/status", form, sign=sign, token=token)


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


ODD_REPORTS = [
    {"MessageSid": "SM" + "a" * 5000},
    {"MessageSid": "SM" + "a" * 33},
    {"MessageSid": ""},
    {"MessageStatus": ""},
    {"ErrorCode": "3" * 5000},
    {"ErrorCode": "30003; DROP TABLE"},
    {"ErrorCode": "-1"},
]


@pytest.mark.parametrize(
    "odd", ODD_REPORTS, ids=lambda odd: ",".join(f"{k}:{len(v)}" for k, v in odd.items())
)
def test_a_signed_report_with_odd_fields_is_refused_and_changes_nothing(client, factory, odd):
    message_id = sent_message(factory)
    form = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "failed", "ErrorCode": "30003"}
    form.update(odd)

    assert post_report(client, form).status_code == 400
    message = reload(factory, message_id)
    assert (message.provider_status, message.status, message.error_code) == ("queued", "sent", None)


@pytest.mark.parametrize("status", ["scheduled", "canceled", "x" * 5000])
def test_a_status_this_app_does_not_know_is_accepted_and_ignored(client, factory, status):
    message_id = sent_message(factory)

    response = post_report(client, {"MessageSid": "SM" + "a" * 32, "MessageStatus": status})

    assert response.status_code == 204
    assert reload(factory, message_id).provider_status == "queued"

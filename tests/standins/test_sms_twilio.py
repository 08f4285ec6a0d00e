"""The real ``twilio`` client, through camshare's gateway and outbox, against a local stand-in.

Nothing in the twilio library is mocked: requests leave the client over HTTP and reach
``TwilioStandin``, which answers the way Twilio's Messages API does. Back-off is driven by
passing ``now`` to the dispatcher, so no test sleeps.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from camshare.models import Base, OutboxMessage, Owner, utcnow
from camshare.services.messaging.outbox import dispatch_due, enqueue_sms, retry_delay, send_one
from camshare.services.messaging.sms import (
    RecordingGateway,
    SmsPermanentError,
    SmsTemporaryError,
    TwilioGateway,
    make_gateway,
)
from camshare.settings import Settings, load_settings
from tests.support.twilio_standin import TwilioStandin

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+12145550000"
SERVICE_SID = "MG" + "1" * 32
RESIDENT = "+12145550123"
OPTED_OUT = "+12145550100"
STATUS_CALLBACK = "https://camshare.example.org/sms/status"
SID_PATTERN = re.compile(r"SM[0-9a-f]{32}")


@pytest.fixture(autouse=True)
def _no_twilio_routing(monkeypatch: pytest.MonkeyPatch) -> None:
    """TWILIO_EDGE/TWILIO_REGION in the environment would rewrite the stand-in's host."""
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)


@pytest.fixture
def server() -> Iterator[TwilioStandin]:
    with TwilioStandin(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as standin:
        yield standin


@pytest.fixture
def factory(tmp_path) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'outbox.db'}")
    Base.metadata.create_all(engine)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def twilio_settings(server: TwilioStandin, **extra: str) -> Settings:
    return load_settings(
        {
            "CAMSHARE_SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "CAMSHARE_TWILIO_API_BASE_URL": server.base_url,
            **extra,
        }
    )


def queue_message(factory: sessionmaker[Session], to: str = RESIDENT, **kwargs) -> int:
    with factory() as session, session.begin():
        message = enqueue_sms(session, to, "Your camshare code is 482913", "otp", "en", **kwargs)
        session.flush()
        return message.id


def load_row(factory: sessionmaker[Session], message_id: int) -> OutboxMessage:
    with factory() as session:
        return session.get(OutboxMessage, message_id)


# The gateway alone ------------------------------------------------------------------------


def test_send_delivers_to_from_body_and_status_callback(server: TwilioStandin) -> None:
    gateway = make_gateway(twilio_settings(server))
    assert isinstance(gateway, TwilioGateway)

    receipt = gateway.send(RESIDENT, "Your camshare code is 482913", STATUS_CALLBACK)

    assert SID_PATTERN.fullmatch(receipt.sid)
    assert receipt.status == "queued"
    [message] = server.messages
    assert message.sid == receipt.sid
    assert message.to == RESIDENT
    assert message.from_ == FROM_NUMBER
    assert message.messaging_service_sid is None
    assert message.body == "Your camshare code is 482913"
    assert message.status_callback == STATUS_CALLBACK
    [request] = server.requests
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.auth_user == ACCOUNT_SID


def test_send_without_status_callback_sends_none(server: TwilioStandin) -> None:
    make_gateway(twilio_settings(server)).send(RESIDENT, "Hello")

    [request] = server.requests
    assert "StatusCallback" not in request.form
    assert server.messages[0].status_callback is None


def test_messaging_service_is_used_instead_of_from_number(server: TwilioStandin) -> None:
    gateway = make_gateway(twilio_settings(server, TWILIO_MESSAGING_SERVICE_SID=SERVICE_SID))

    receipt = gateway.send(RESIDENT, "Welcome to the registry")

    [message] = server.messages
    assert message.messaging_service_sid == SERVICE_SID
    assert message.from_ is None
    assert "From" not in server.requests[0].form
    assert receipt.sid == message.sid
    assert receipt.status == "accepted"


def test_rate_limit_is_temporary(server: TwilioStandin) -> None:
    server.respond_with(429)
    gateway = make_gateway(twilio_settings(server))

    with pytest.raises(SmsTemporaryError, match="429"):
        gateway.send(RESIDENT, "Hello")

    assert server.messages == []
    assert [r.status for r in server.requests] == [429]


@pytest.mark.parametrize("status", [500, 503])
def test_server_errors_are_temporary(server: TwilioStandin, status: int) -> None:
    server.respond_with(status)
    gateway = make_gateway(twilio_settings(server))

    with pytest.raises(SmsTemporaryError, match=str(status)):
        gateway.send(RESIDENT, "Hello")

    assert server.messages == []
    # The next attempt goes through: the error was not sticky.
    assert SID_PATTERN.fullmatch(gateway.send(RESIDENT, "Hello").sid)


def test_connection_refused_is_temporary() -> None:
    with TwilioStandin(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN) as stopped:
        settings = twilio_settings(stopped)
    assert not stopped.running
    gateway = make_gateway(settings)

    with pytest.raises(SmsTemporaryError):
        gateway.send(RESIDENT, "Hello")

    assert stopped.requests == []


def test_opted_out_recipient_is_permanent_with_code_21610(server: TwilioStandin) -> None:
    server.recipient_errors[OPTED_OUT] = 21610
    gateway = make_gateway(twilio_settings(server))

    with pytest.raises(SmsPermanentError) as caught:
        gateway.send(OPTED_OUT, "Hello")

    assert caught.value.code == "21610"
    assert "unsubscribed recipient" in caught.value.message
    assert server.messages == []
    # Other recipients are unaffected.
    gateway.send(RESIDENT, "Hello")
    assert [m.to for m in server.messages] == [RESIDENT]


def test_wrong_credentials_are_permanent(server: TwilioStandin) -> None:
    settings = twilio_settings(server, TWILIO_AUTH_TOKEN="not-the-token")
    gateway = make_gateway(settings)

    with pytest.raises(SmsPermanentError) as caught:
        gateway.send(RESIDENT, "Hello")

    assert caught.value.code == "20003"
    assert server.messages == []
    assert [r.status for r in server.requests] == [401]


# Through the outbox -----------------------------------------------------------------------


def test_dispatch_sends_once_and_marks_sent(server: TwilioStandin, factory) -> None:
    message_id = queue_message(factory)
    gateway = make_gateway(twilio_settings(server))
    now = utcnow()

    assert dispatch_due(factory, gateway, status_callback=STATUS_CALLBACK, now=now) == 1

    row = load_row(factory, message_id)
    [delivered] = server.messages
    assert row.status == "sent"
    assert row.provider_sid == delivered.sid
    assert row.provider_status == "queued"
    assert row.attempts == 1
    assert row.sent_at == now
    assert delivered.to == RESIDENT
    assert delivered.from_ == FROM_NUMBER
    assert delivered.body == "Your camshare code is 482913"
    assert delivered.status_callback == STATUS_CALLBACK
    # A sent message is never sent again.
    assert dispatch_due(factory, gateway, now=now + timedelta(hours=1)) == 0
    assert len(server.requests) == 1


def test_rate_limit_then_outage_is_retried_until_sent(server: TwilioStandin, factory) -> None:
    message_id = queue_message(factory)
    gateway = make_gateway(twilio_settings(server))
    server.respond_with(429, 503, "ok")
    start = utcnow()

    first = send_one(factory, gateway, now=start)
    assert first.status == "queued"
    assert first.attempts == 1
    assert first.next_attempt_at == start + retry_delay(1)
    assert "429" in first.error_message

    # Not due yet: nothing goes out before the back-off ends.
    assert dispatch_due(factory, gateway, now=first.next_attempt_at - timedelta(seconds=1)) == 0
    assert len(server.requests) == 1

    second = send_one(factory, gateway, now=first.next_attempt_at)
    assert second.status == "queued"
    assert second.attempts == 2
    assert second.next_attempt_at == first.next_attempt_at + retry_delay(2)
    assert "503" in second.error_message

    assert dispatch_due(factory, gateway, now=second.next_attempt_at) == 1

    row = load_row(factory, message_id)
    [delivered] = server.messages
    assert row.status == "sent"
    assert row.attempts == 3
    assert row.provider_sid == delivered.sid
    assert row.error_message is None
    assert [r.status for r in server.requests] == [429, 503, 201]
    assert server.pending == []


def test_opt_out_fails_row_without_retry_and_marks_owner(server: TwilioStandin, factory) -> None:
    with factory() as session, session.begin():
        opted_out = Owner(phone_e164=OPTED_OUT, full_name="Rosa Delgado")
        other = Owner(phone_e164=RESIDENT, full_name="Sam Okafor")
        session.add_all([opted_out, other])
        session.flush()
        opted_out_id, other_id = opted_out.id, other.id
    failed_id = queue_message(factory, OPTED_OUT, owner_id=opted_out_id)
    sent_id = queue_message(factory, RESIDENT, owner_id=other_id)
    server.recipient_errors[OPTED_OUT] = 21610
    gateway = make_gateway(twilio_settings(server))
    now = utcnow()

    assert dispatch_due(factory, gateway, now=now) == 2

    failed = load_row(factory, failed_id)
    assert failed.status == "failed"
    assert failed.error_code == "21610"
    assert failed.attempts == 1
    assert failed.provider_sid is None
    assert load_row(factory, sent_id).status == "sent"
    assert [m.to for m in server.messages] == [RESIDENT]
    with factory() as session:
        assert session.get(Owner, opted_out_id).sms_opted_out_at == now
        assert session.get(Owner, other_id).sms_opted_out_at is None

    # Never retried, however long we wait.
    assert dispatch_due(factory, gateway, now=now + timedelta(days=1)) == 0
    assert len(server.requests) == 2
    assert load_row(factory, failed_id).attempts == 1


def test_temporary_errors_delay_a_message_until_it_is_too_old(
    server: TwilioStandin, factory
) -> None:
    """An outage of any length within ``retry_for`` delays a message; beyond it, it fails."""
    message_id = queue_message(factory)
    gateway = make_gateway(twilio_settings(server))
    server.respond_with(*[503] * 12)
    now = utcnow()
    retry_for = timedelta(hours=2)

    # Twelve refusals an hour and more after it was queued: still queued, tried again later.
    for _ in range(8):
        assert dispatch_due(factory, gateway, retry_for=retry_for, now=now) == 1
        now += timedelta(minutes=15)  # past any back-off (at most 15 minutes)
        assert load_row(factory, message_id).status == "queued"

    now += timedelta(hours=1)
    assert dispatch_due(factory, gateway, retry_for=retry_for, now=now) == 1
    row = load_row(factory, message_id)
    assert row.status == "failed"
    assert row.attempts == 9
    assert "503" in row.error_message
    assert server.messages == []
    # A failed row stays failed.
    assert dispatch_due(factory, gateway, retry_for=retry_for, now=now + timedelta(days=1)) == 0
    assert len(server.requests) == 9


def test_a_long_outage_delays_messages_and_loses_none(server: TwilioStandin, factory) -> None:
    message_id = queue_message(factory)
    gateway = make_gateway(twilio_settings(server))
    server.respond_with(*[503] * 10)
    now = utcnow()
    for _ in range(10):  # 2.5 hours of refusals, tried every 15 minutes at most
        assert dispatch_due(factory, gateway, now=now) == 1
        now += timedelta(minutes=15)
    assert dispatch_due(factory, gateway, now=now) == 1
    row = load_row(factory, message_id)
    assert row.status == "sent"
    assert row.attempts == 11
    assert [m.to for m in server.messages] == [RESIDENT]


def test_recording_gateway_marks_sent_without_network(factory, monkeypatch) -> None:
    def no_network(*args, **kwargs):
        raise AssertionError("the outbox backend must not open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    gateway = make_gateway(load_settings({"CAMSHARE_SMS_BACKEND": "outbox"}))
    assert isinstance(gateway, RecordingGateway)
    first, second = queue_message(factory), queue_message(factory, "+12145550177")

    assert dispatch_due(factory, gateway, status_callback=STATUS_CALLBACK) == 2

    rows = [load_row(factory, first), load_row(factory, second)]
    assert [row.status for row in rows] == ["sent", "sent"]
    assert all(row.provider_sid.startswith("LOCAL") for row in rows)
    assert rows[0].provider_sid != rows[1].provider_sid
    assert {row.provider_status for row in rows} == {"recorded"}
    with factory() as session:
        assert session.scalars(select(OutboxMessage.status)).all() == ["sent", "sent"]

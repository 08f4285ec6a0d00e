"""The outbox dispatcher: exclusive claims, leases that survive a crash, expiry, redaction."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import select

from camshare.models import OutboxMessage, utcnow
from camshare.services.messaging import outbox
from camshare.services.messaging.sms import RecordingGateway, SendReceipt


class SlowCountingGateway:
    """Stands in for a provider that takes a moment per message; counts what it got."""

    name = "counting"
    keeps_record = False

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendReceipt:
        time.sleep(self.latency)  # provider latency, so two dispatchers overlap
        with self._lock:
            self.sent.append(body)
            return SendReceipt(sid=f"SM{len(self.sent):032d}", status="queued")


def queue(factory, count: int, **kwargs) -> None:
    with factory() as session, session.begin():
        for n in range(count):
            outbox.enqueue_sms(session, f"+1214555{n:04d}", f"message {n}", "test", "en", **kwargs)


def rows(factory) -> list[OutboxMessage]:
    with factory() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_two_dispatchers_never_send_the_same_message_twice(factory):
    queue(factory, 12)
    gateway = SlowCountingGateway(latency=0.02)
    workers = [
        threading.Thread(target=outbox.dispatch_due, args=(factory, gateway), kwargs={"limit": 50})
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert sorted(gateway.sent) == sorted(f"message {n}" for n in range(12))
    assert {m.status for m in rows(factory)} == {"sent"}


def test_a_dispatcher_that_dies_mid_send_loses_nothing(factory):
    queue(factory, 1)
    now = utcnow()
    claimed = outbox._claim(factory, now)  # claimed, then the process dies before sending
    assert claimed.status == "sending"
    gateway = SlowCountingGateway()

    assert outbox.dispatch_due(factory, gateway, now=now + timedelta(seconds=30)) == 0  # leased
    assert outbox.dispatch_due(factory, gateway, now=now + outbox.SEND_LEASE) == 1

    assert gateway.sent == ["message 0"]
    [message] = rows(factory)
    assert message.status == "sent"
    assert message.attempts == 2


def test_a_message_past_its_expiry_is_not_sent(factory):
    queue(factory, 1, expires_at=utcnow() + timedelta(minutes=10))
    gateway = SlowCountingGateway()

    outbox.dispatch_due(factory, gateway, now=utcnow() + timedelta(minutes=11))

    assert gateway.sent == []
    assert rows(factory)[0].status == "expired"


def test_secrets_leave_the_stored_copy_once_the_provider_has_them(factory):
    queue(factory, 1, redacted_body="code ••••••")
    outbox.dispatch_due(factory, SlowCountingGateway())
    [message] = rows(factory)
    assert message.body == "code ******"  # stored GSM-7 friendly, as sent
    assert message.body_redacted is None


def test_the_demo_outbox_keeps_the_message_as_sent(factory):
    queue(factory, 1, redacted_body="code ••••••")
    outbox.dispatch_due(factory, RecordingGateway())
    assert rows(factory)[0].body == "message 0"


def test_the_demo_outbox_lists_copies_newest_first(factory):
    queue(factory, 3)
    with factory() as session:
        listed = outbox.recent_messages(session, 2)
    assert [m.body for m in listed] == ["message 2", "message 1"]
    assert all(isinstance(m, outbox.OutboxEntry) for m in listed)
    assert (listed[0].to_e164, listed[0].purpose, listed[0].status) == (
        "+12145550002",
        "test",
        "queued",
    )

"""The SMS outbox: messages are rows first, sent later by a dispatcher, never lost.

A change that causes a message (a code, a receipt) adds its outbox row in the same
transaction, so either both happen or neither. A dispatcher claims one due row at a time
under a lease (status "sending" until ``next_attempt_at``), waits for its turn at the
app-wide rate limit, sends it with no transaction open, then records the outcome. Two
dispatchers never send the same message: the claim is one conditional UPDATE (and on
PostgreSQL the row is read with FOR UPDATE SKIP LOCKED).

Delivery is at least once, not exactly once, and that is chosen: a dispatcher that dies
(killed, power cut) holds at most one claimed message, the one in flight. Nothing marks a
message sent before the provider has answered, so that row stays "sending" until its
lease runs out and another dispatcher sends it. If the provider had accepted it before
the death, the recipient gets it twice; the opposite order (mark sent, then call) would
lose it instead. Every other message is untouched: queued rows were never claimed, sent
rows were committed. See ``send_one``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from camshare.models import OutboxMessage, Owner, utcnow
from camshare.services.may_be_asked import refresh_may_be_asked
from camshare.services.messaging.sms import (
    TWILIO_OPTED_OUT,
    SmsGateway,
    SmsPermanentError,
    SmsTemporaryError,
    gsm7_friendly,
)

log = logging.getLogger(__name__)
# How long a claimed message is left to its dispatcher: far longer than a provider call
# (``sms_timeout``, 10 s) plus a normal wait for the rate limit (see ``PACE_RECHECK``).
SEND_LEASE = timedelta(minutes=2)
# A wait for the rate limit at least this long may have outlasted the lease: the claim is
# checked again before sending (see ``_wait_turn``). A shorter wait leaves over a minute
# of lease for the provider call, which ``sms_timeout`` (10 s by default) cuts short.
PACE_RECHECK = timedelta(seconds=60)


def enqueue_sms(
    session: Session,
    to_e164: str,
    body: str,
    purpose: str,
    language: str,
    owner_id: int | None = None,
    *,
    redacted_body: str | None = None,
    expires_at: datetime | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction.

    ``redacted_body`` replaces a body holding a secret (a code, a link) once the provider
    has it; ``expires_at`` drops a message that would arrive too late to be of use.
    """
    message = OutboxMessage(
        to_e164=to_e164,
        body=gsm7_friendly(body),
        body_redacted=gsm7_friendly(redacted_body) if redacted_body is not None else None,
        purpose=purpose,
        language=language,
        owner_id=owner_id,
        next_attempt_at=utcnow(),
        expires_at=expires_at,
    )
    session.add(message)
    return message


# How long temporary errors (429, 5xx, the network) are retried before a message fails.
DEFAULT_RETRY_FOR = timedelta(hours=24)


def retry_delay(attempts: int) -> timedelta:
    """Back-off after ``attempts`` failed tries: 5 s, 10 s, 20 s … at most 15 minutes."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 900))


def mark_opted_out(session: Session, phone_e164: str, now: datetime) -> None:
    """Record that a number replied STOP: nothing more is sent to it until START.

    Nor can police ask its owner (who can only be asked by SMS) until then.
    """
    session.execute(
        update(Owner)
        .where(Owner.phone_e164 == phone_e164, Owner.sms_opted_out_at.is_(None))
        .values(sms_opted_out_at=now)
    )
    refresh_may_be_asked(session, select(Owner.id).where(Owner.phone_e164 == phone_e164))


def mark_opted_in(session: Session, phone_e164: str) -> None:
    """Record that a number replied START: texts, and so police requests, reach it again."""
    session.execute(
        update(Owner).where(Owner.phone_e164 == phone_e164).values(sms_opted_out_at=None)
    )
    refresh_may_be_asked(session, select(Owner.id).where(Owner.phone_e164 == phone_e164))


def _claim(factory: sessionmaker[Session], now: datetime) -> OutboxMessage | object | None:
    """Take the oldest due message under a lease, in a transaction of its own.

    A message is due when queued and its time has come, or when a dispatcher that leased
    it died (the lease ran out). The conditional UPDATE is what makes the claim exclusive,
    on SQLite too; on PostgreSQL SKIP LOCKED also keeps dispatchers off each other's rows.
    """
    with factory() as session, session.begin():
        due = (
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status.in_(("queued", "sending")),
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            due = due.with_for_update(skip_locked=True)
        message_id = session.scalar(due)
        if message_id is None:
            return None
        claimed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status.in_(("queued", "sending")),
                OutboxMessage.next_attempt_at <= now,
            )
            .values(
                status="sending",
                next_attempt_at=now + SEND_LEASE,
                attempts=OutboxMessage.attempts + 1,
            )
        )
        if claimed.rowcount != 1:
            return _LOST_RACE
        message = session.get(OutboxMessage, message_id)
        session.refresh(message)
        if message.expires_at is not None and message.expires_at <= now:
            message.status = "expired"
            _redact(message)
            _forget_recipient_if_asked(message)
        elif _opted_out(session, message.to_e164):
            # The number replied STOP after this was queued: carriers' rules say nothing more.
            message.status = "suppressed"
            _redact(message)
            _forget_recipient_if_asked(message)
        return message


def _opted_out(session: Session, phone_e164: str) -> bool:
    return (
        session.scalar(
            select(Owner.id).where(
                Owner.phone_e164 == phone_e164, Owner.sms_opted_out_at.is_not(None)
            )
        )
        is not None
    )


# A claim that another dispatcher won: try the next message.
_LOST_RACE = object()


def _forget_recipient_if_asked(message: OutboxMessage) -> None:
    """A withdrawn owner's confirmation: once done with, nothing of them stays."""
    if message.forget_recipient:
        message.to_e164 = ""
        message.body = ""
        message.body_redacted = None


def _redact(message: OutboxMessage) -> None:
    if message.body_redacted is not None:
        message.body = message.body_redacted
        message.body_redacted = None


def _wait_turn(
    factory: sessionmaker[Session], claimed: OutboxMessage, now: datetime, pace: Callable[[], None]
) -> datetime | None:
    """Wait for this dispatcher's turn at the rate limit while holding ``claimed``.

    Returns the time after the wait, or None when the message is no longer this
    dispatcher's to send. The turn is taken with a message in hand (no turn is spent on an
    empty queue) and right before the provider call, so the spacing holds at the provider.
    Each dispatcher books at most one turn ahead, so a wait is about (dispatchers x
    spacing): a second or two at 1 message a second.

    Only a very low rate or very many dispatchers make a wait approach the lease; then it
    may have run out meanwhile and another dispatcher may have taken the message. Putting
    the message back instead of waiting would not help: when due again it would book a
    new, later turn, and at a low enough rate never reach one. So the wait is kept, and
    after a long one the claim is renewed if it is still this one (``attempts`` grows with
    every claim); otherwise the dispatcher that took the message over sends it, not both.
    """
    started = time.monotonic()
    pace()
    waited = timedelta(seconds=time.monotonic() - started)
    if waited < PACE_RECHECK:
        return now + waited
    with factory() as session, session.begin():
        renewed = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == claimed.id,
                OutboxMessage.status == "sending",
                OutboxMessage.attempts == claimed.attempts,
            )
            .values(next_attempt_at=now + waited + SEND_LEASE)
        )
    if renewed.rowcount != 1:
        log.warning("outbox message %s was taken over while waiting to be sent", claimed.id)
        return None
    return now + waited


def send_one(
    factory: sessionmaker[Session],
    gateway: SmsGateway,
    *,
    status_callback: str | None = None,
    retry_for: timedelta = DEFAULT_RETRY_FOR,
    now: datetime | None = None,
    pace: Callable[[], None] | None = None,
) -> OutboxMessage | None:
    """Send the oldest due message, if any, and record the outcome; returns it.

    Commits part-way, by design: the claim is committed before the provider is called and
    the outcome after, so a message is never sent twice and never lost (the outbox's
    reasoning above); hence ``factory``, not one caller's session.

    ``pace`` blocks until this dispatcher may call the provider (the worker's books a turn
    shared by every process, ``throttle.spaced``); it is called once per message handed
    to the provider, after the claim. None sends at once.

    Why a message may be sent twice, and only one: no transaction is open while the
    provider is called, and the row says "sending" (leased) until the outcome is
    committed after the call. If the process dies between the provider accepting the
    message and that commit, nothing can tell whether the provider got it, so when the
    lease runs out the message is claimed and sent again: at-least-once is the price of
    never losing one. A dispatcher handles one message at a time, so a death costs at most
    that one duplicate.
    """
    while True:
        at = now or utcnow()
        claimed = _claim(factory, at)
        while claimed is _LOST_RACE:
            claimed = _claim(factory, at)
        if claimed is None or claimed.status in ("expired", "suppressed"):
            return claimed
        if pace is None:
            break
        after_wait = _wait_turn(factory, claimed, at, pace)
        if after_wait is not None:
            at = after_wait
            break
        # Taken over during a long wait: its new holder sends it; go on with the next one.
    error: Exception | None = None
    try:
        # From here until the outcome is committed below, a death means a resend (see above).
        receipt = gateway.send(claimed.to_e164, claimed.body, status_callback)
    except Exception as exc:
        error = exc
        if not isinstance(exc, SmsTemporaryError | SmsPermanentError):
            # Unexpected: still recorded and retried, so it cannot wedge the queue.
            log.exception("sending outbox message %s failed unexpectedly", claimed.id)
    with factory() as session, session.begin():
        message = session.get(OutboxMessage, claimed.id)
        if isinstance(error, SmsPermanentError):
            message.status = "failed"
            message.error_code = error.code
            message.error_message = error.message
            if error.code == TWILIO_OPTED_OUT:
                mark_opted_out(session, message.to_e164, at)
        elif error is not None:
            message.error_message = str(error)[:400]
            # An outage delays a message, however long it lasts within ``retry_for`` (or
            # until the message would come too late: ``expires_at``, at the next claim).
            if at - message.created_at >= retry_for:
                message.status = "failed"
            else:
                message.status = "queued"
                message.next_attempt_at = at + retry_delay(message.attempts)
        else:
            message.status = "sent"
            message.provider_sid = receipt.sid
            message.provider_status = receipt.status
            message.sent_at = at
            message.error_message = None
        if message.status in ("sent", "failed") and not gateway.keeps_record:
            _redact(message)
        if message.status in ("sent", "failed"):
            _forget_recipient_if_asked(message)
        return message


def dispatch_due(
    factory: sessionmaker[Session],
    gateway: SmsGateway,
    *,
    limit: int = 50,
    status_callback: str | None = None,
    retry_for: timedelta = DEFAULT_RETRY_FOR,
    now: datetime | None = None,
    pace: Callable[[], None] | None = None,
) -> int:
    """Send up to ``limit`` due messages, each after ``pace``; returns how many were tried.

    Commits part-way, by design: each message as ``send_one`` does.
    """
    tried = 0
    while tried < limit:
        message = send_one(
            factory,
            gateway,
            status_callback=status_callback,
            retry_for=retry_for,
            now=now,
            pace=pace,
        )
        if message is None:
            break
        tried += 1
    return tried


@dataclass(frozen=True)
class OutboxEntry:
    """One message as the demo outbox page lists it."""

    id: int
    to_e164: str
    body: str
    status: str
    purpose: str
    created_at: datetime


def recent_messages(session: Session, limit: int = 50) -> list[OutboxEntry]:
    """The newest messages in the outbox."""
    rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
    return [OutboxEntry(m.id, m.to_e164, m.body, m.status, m.purpose, m.created_at) for m in rows]

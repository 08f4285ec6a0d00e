"""The SMS outbox: messages are rows first, sent later by a dispatcher, never lost.

A change that causes a message (a code, a receipt) adds its outbox row in the same
transaction, so either both happen or neither. The dispatcher takes one due row at a
time, locking it on PostgreSQL (FOR UPDATE SKIP LOCKED) so two dispatchers never send the
same message; it commits after each send. If it dies between the provider accepting a
message and that commit, that one message is sent again on restart: at-least-once is the
price of never dropping one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from camshare.models import OutboxMessage, Owner, utcnow
from camshare.services.sms import (
    TWILIO_OPTED_OUT,
    SmsGateway,
    SmsPermanentError,
    SmsTemporaryError,
)

log = logging.getLogger(__name__)


def enqueue_sms(
    session: Session,
    to_e164: str,
    body: str,
    purpose: str,
    language: str,
    owner_id: int | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction."""
    message = OutboxMessage(
        to_e164=to_e164,
        body=body,
        purpose=purpose,
        language=language,
        owner_id=owner_id,
        next_attempt_at=utcnow(),
    )
    session.add(message)
    return message


def retry_delay(attempts: int) -> timedelta:
    """Back-off after ``attempts`` failed tries: 5 s, 10 s, 20 s … at most 15 minutes."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 900))


def _claim_due(session: Session, now: datetime) -> OutboxMessage | None:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def send_one(
    factory: sessionmaker[Session],
    gateway: SmsGateway,
    *,
    status_callback: str | None = None,
    max_attempts: int = 8,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Send the oldest due message, if any, and record the outcome; returns it."""
    now = now or utcnow()
    with factory() as session, session.begin():
        message = _claim_due(session, now)
        if message is None:
            return None
        message.attempts += 1
        try:
            receipt = gateway.send(message.to_e164, message.body, status_callback)
        except SmsPermanentError as exc:
            message.status = "failed"
            message.error_code = exc.code
            message.error_message = exc.message
            if exc.code == TWILIO_OPTED_OUT:
                session.execute(
                    update(Owner)
                    .where(Owner.phone_e164 == message.to_e164, Owner.sms_opted_out_at.is_(None))
                    .values(sms_opted_out_at=now)
                )
        except Exception as exc:
            if not isinstance(exc, SmsTemporaryError):
                # Unexpected: still recorded and retried, so it cannot wedge the queue.
                log.exception("sending outbox message %s failed unexpectedly", message.id)
            message.error_message = str(exc)[:400]
            if message.attempts >= max_attempts:
                message.status = "failed"
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
        else:
            message.status = "sent"
            message.provider_sid = receipt.sid
            message.provider_status = receipt.status
            message.sent_at = now
            message.error_message = None
        return message


def dispatch_due(
    factory: sessionmaker[Session],
    gateway: SmsGateway,
    *,
    limit: int = 50,
    status_callback: str | None = None,
    max_attempts: int = 8,
    now: datetime | None = None,
) -> int:
    """Send up to ``limit`` due messages; returns how many were tried."""
    tried = 0
    while tried < limit:
        message = send_one(
            factory, gateway, status_callback=status_callback, max_attempts=max_attempts, now=now
        )
        if message is None:
            break
        tried += 1
    return tried


def recent_messages(session: Session, limit: int = 50) -> list[OutboxMessage]:
    """The newest messages in the outbox."""
    return list(
        session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
    )

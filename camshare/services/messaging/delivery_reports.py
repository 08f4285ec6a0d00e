"""Delivery reports from the SMS provider, applied to the outbox."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import OutboxMessage, utcnow
from camshare.services.messaging.outbox import mark_opted_out
from camshare.services.messaging.sms import TWILIO_OPTED_OUT

# Twilio's message statuses, in the order they can happen; a late report of an earlier
# state (callbacks are not ordered) must not overwrite a later one.
STATUS_ORDER = {
    "accepted": 0,
    "queued": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "read": 5,
}


def record_delivery_status(
    session: Session, message_sid: str, status: str, error_code: str | None
) -> bool:
    """Apply a status report to the message with this provider id; False if unknown."""
    message = session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == message_sid))
    if message is None:
        return False
    current = STATUS_ORDER.get(message.provider_status or "", -1)
    if STATUS_ORDER.get(status, -1) < current:
        return True  # an older report arriving late: nothing to change
    message.provider_status = status
    if status in ("failed", "undelivered"):
        message.status = "failed"
        message.error_code = error_code or message.error_code
        if error_code == TWILIO_OPTED_OUT:
            mark_opted_out(session, message.to_e164, utcnow())
    return True

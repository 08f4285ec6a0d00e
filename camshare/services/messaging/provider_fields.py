"""What the SMS provider's webhooks may carry, checked before anything is stored or acted on.

A signed webhook is Twilio's, but the signature proves only who sent it, not that each
field fits its column: a 5 KB ``MessageSid`` used to reach a 64-character column (a 500
on PostgreSQL). Every field is checked here for the shape Twilio documents; a report
that does not fit is malformed and refused as a whole, with nothing stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from camshare.services.messaging.delivery_reports import STATUS_ORDER

# SM… for texts, MM… for multimedia messages: two letters and 32 hex digits.
_MESSAGE_SID = re.compile(r"(SM|MM)[0-9a-fA-F]{32}")
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# Twilio's error codes are five digits; the column takes sixteen.
_ERROR_CODE = re.compile(r"[0-9]{1,16}")
# One message is at most ten segments of 160 characters; Twilio delivers no longer body.
BODY_MAX = 1600


class Malformed(ValueError):
    """A webhook field that Twilio would never send as it is (the field's name)."""


@dataclass(frozen=True)
class InboundText:
    """A text an owner sent, as the inbound webhook reports it."""

    sid: str
    from_e164: str
    body: str


@dataclass(frozen=True)
class StatusReport:
    """A delivery report; ``status`` is None for one this app does not know (ignored)."""

    sid: str
    status: str | None
    error_code: str | None


def _sid(form: Mapping[str, str]) -> str:
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if not _MESSAGE_SID.fullmatch(sid):
        raise Malformed("MessageSid")
    return sid


def _matching(form: Mapping[str, str], name: str, shape: re.Pattern, required: bool) -> str | None:
    value = form.get(name) or ""
    if not value and not required:
        return None
    if not shape.fullmatch(value):
        raise Malformed(name)
    return value


def inbound_text(form: Mapping[str, str]) -> InboundText:
    """The inbound webhook's fields, checked; Malformed names the first that does not fit."""
    sid = _sid(form)
    sender = _matching(form, "From", _E164, required=True)
    _matching(form, "To", _E164, required=False)
    body = form.get("Body", "")
    if len(body) > BODY_MAX:
        raise Malformed("Body")
    return InboundText(sid, sender, body)


def status_report(form: Mapping[str, str]) -> StatusReport:
    """The status callback's fields, checked; Malformed names the first that does not fit.

    A well-formed status this app does not know (Twilio adds some) is not an error: the
    report is accepted and changes nothing.
    """
    sid = _sid(form)
    status = form.get("MessageStatus") or form.get("SmsStatus") or ""
    if not status:
        raise Malformed("MessageStatus")
    error_code = _matching(form, "ErrorCode", _ERROR_CODE, required=False)
    return StatusReport(sid, status if status in STATUS_ORDER else None, error_code)

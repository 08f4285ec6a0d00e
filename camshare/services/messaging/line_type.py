"""Before a number's first code: can it take a text at all? (Twilio Lookup v2.)

``phonenumbers`` calls every US number "fixed line or mobile", so a Dallas landline passes
the sign-up's mobile check and its code never arrives. With Twilio configured and
``CAMSHARE_TWILIO_LOOKUP`` on, Lookup's line type intelligence says which kind of line a
number is. It costs per lookup, so it is off by default and asked once per number and
draft. A Lookup outage or refusal never blocks the sign-up: the code is sent anyway.
"""

from __future__ import annotations

import logging
from typing import Protocol

from camshare.services.errors import DomainError
from camshare.settings import Settings

log = logging.getLogger(__name__)

# Line types (Twilio's names) that cannot receive an SMS.
NO_SMS_LINE_TYPES = frozenset(
    {"landline", "tollFree", "premium", "sharedCost", "uan", "voicemail", "pager"}
)


class LineTypeLookup(Protocol):
    """Says which kind of line a number is (Twilio's type names), or None if unknown."""

    def line_type(self, phone_e164: str) -> str | None: ...


class TwilioLineTypeLookup:
    """Lookup v2's line type intelligence through the official ``twilio`` client."""

    def __init__(self, settings: Settings) -> None:
        from camshare.services.messaging.sms import twilio_client

        self._client = twilio_client(settings)

    def line_type(self, phone_e164: str) -> str | None:
        """The number's line type; None when Lookup cannot tell or does not answer."""
        from twilio.base.exceptions import TwilioException

        try:
            number = self._client.lookups.v2.phone_numbers(phone_e164).fetch(
                fields="line_type_intelligence"
            )
        except (TwilioException, OSError) as exc:
            log.warning("line type lookup failed, sending the code anyway: %s", exc)
            return None
        intelligence = number.line_type_intelligence or {}
        kind = intelligence.get("type") if isinstance(intelligence, dict) else None
        return str(kind) if kind else None


def make_line_type_lookup(settings: Settings) -> LineTypeLookup | None:
    """The lookup when Twilio sends and the setting asks for it, else None."""
    if settings.sms_backend == "twilio" and settings.twilio_lookup:
        return TwilioLineTypeLookup(settings)
    return None


def check_takes_sms(lookup: LineTypeLookup | None, phone_e164: str, known: dict) -> None:
    """Refuse a number whose line cannot take a text. ``known`` remembers answers (per
    draft) so a number is looked up once."""
    if lookup is None:
        return
    if phone_e164 not in known:
        try:
            known[phone_e164] = lookup.line_type(phone_e164)
        except Exception:  # a broken adapter must not stop the sign-up either
            log.exception("line type lookup failed")
            known[phone_e164] = None
    if known[phone_e164] in NO_SMS_LINE_TYPES:
        raise DomainError("error.phone_takes_no_sms")

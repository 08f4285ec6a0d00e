"""Sending SMS: one gateway interface, a Twilio backend and an on-screen recording backend."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from camshare.settings import Settings

# Twilio error 21610: the recipient replied STOP. Retrying cannot help and must not happen.
TWILIO_OPTED_OUT = "21610"


# Characters outside the GSM 03.38 alphabet force the whole message into UCS-2, which
# cuts a segment from 160 to 70 characters: a Spanish code SMS would cost 3 segments, not 1.
# é, ñ, ü, ¿ and ¡ are in the alphabet; á, í, ó, ú and typographic punctuation are not.
_GSM7_FALLBACKS = str.maketrans(
    {
        "á": "a",
        "í": "i",
        "ó": "o",
        "ú": "u",
        "Á": "A",
        "Í": "I",
        "Ó": "O",
        "Ú": "U",
        "ç": "c",
        "â": "a",
        "ê": "e",
        "î": "i",
        "ô": "o",
        "û": "u",
        "ë": "e",
        "ï": "i",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2022": "*",
    }
)


def gsm7_friendly(text: str) -> str:
    """``text`` with the characters that would force UCS-2 replaced by close GSM-7 ones."""
    return text.translate(_GSM7_FALLBACKS)


# The GSM 03.38 basic alphabet, and its extension table (each of those costs two septets).
_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def sms_segments(text: str) -> int:
    """How many segments (billed messages) ``text`` is sent as: 160 GSM-7 septets in one,
    153 a part when split; 70 UCS-2 characters in one, 67 a part."""
    if set(text) <= _GSM7_BASIC | _GSM7_EXTENDED:
        length, single, part = len(text) + sum(c in _GSM7_EXTENDED for c in text), 160, 153
    else:
        length, single, part = len(text.encode("utf-16-le")) // 2, 70, 67
    return 1 if length <= single else -(-length // part)


@dataclass(frozen=True)
class SendReceipt:
    """The provider accepted a message."""

    sid: str
    status: str


class SmsTemporaryError(Exception):
    """The provider could not take the message now (rate limit, outage): retry later."""


class SmsPermanentError(Exception):
    """The provider refused the message for good; ``code`` is its error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SmsGateway(Protocol):
    """What camshare needs of an SMS provider."""

    name: str
    keeps_record: bool  # True when the outbox row is the only copy (then never redacted)

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendReceipt:
        """Hand one message to the provider, or raise SmsTemporaryError/SmsPermanentError."""


class RecordingGateway:
    """Sends nothing: messages stay in the outbox table, shown on the demo outbox page."""

    name = "outbox"
    # The outbox row is the only copy of the message: never redact it.
    keeps_record = True

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendReceipt:
        """Accept the message at once."""
        return SendReceipt(sid=f"LOCAL{uuid.uuid4().hex}", status="recorded")


def twilio_client(settings: Settings):
    """The official ``twilio`` client, with a time-out, pointed at the configured API."""
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    # The library waits forever by default; a hung provider must not stall the outbox.
    http_client = TwilioHttpClient(timeout=settings.sms_timeout)
    client = Client(
        settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client
    )
    if settings.twilio_api_base_url:
        # Each domain's base URL is the one place the client builds request URLs from.
        base = settings.twilio_api_base_url.rstrip("/")
        client.api.base_url = base
        client.lookups.base_url = base
    return client


class TwilioGateway:
    """Twilio's Messages API through the official ``twilio`` client."""

    name = "twilio"
    keeps_record = False

    def __init__(self, settings: Settings) -> None:
        self._client = twilio_client(settings)
        self._sender = (
            {"messaging_service_sid": settings.twilio_messaging_service_sid}
            if settings.twilio_messaging_service_sid
            else {"from_": settings.twilio_from_number}
        )

    def send(self, to: str, body: str, status_callback: str | None = None) -> SendReceipt:
        """Create the message; 429 and 5xx are temporary, other refusals permanent."""
        from twilio.base.exceptions import (
            TwilioException,
            TwilioRestException,
            TwilioServiceException,
        )

        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self._client.messages.create(to=to, body=body, **self._sender, **extra)
        except (TwilioRestException, TwilioServiceException) as exc:
            status = int(getattr(exc, "status", 0) or 0)
            text = str(getattr(exc, "msg", None) or exc)[:400]
            if status == 429 or status >= 500:
                raise SmsTemporaryError(f"{status} {text}") from exc
            raise SmsPermanentError(str(getattr(exc, "code", None) or status), text) from exc
        except (TwilioException, OSError) as exc:
            # requests' connection errors and time-outs are OSErrors.
            raise SmsTemporaryError(str(exc)) from exc
        return SendReceipt(sid=message.sid, status=message.status or "queued")


def make_gateway(settings: Settings) -> SmsGateway:
    """The gateway the settings name."""
    if settings.sms_backend == "twilio":
        return TwilioGateway(settings)
    if settings.sms_backend == "outbox":
        return RecordingGateway()
    raise ValueError(f"unknown CAMSHARE_SMS_BACKEND {settings.sms_backend!r}")

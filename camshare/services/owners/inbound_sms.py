"""Texts owners send us: STOP, START, HELP, answers to requests ("YES K7P3"), LIVE OFF.

Each inbound message is kept by the provider's id, so a webhook Twilio repeats acts
once and gets the same reply. Keywords follow the US carriers' rules: STOP (and its
synonyms) ends all messages until START; HELP says who we are and how to stop.
A bare "YES" is one of Twilio's own opt-in keywords, which is why answers carry the
request's code: "YES K7P3" / "SI K7P3" / "NO K7P3". "LIVE OFF" (Spanish "VIDEO NO") ends
every live share of the owner at once; never "STOP", which is the carriers' opt-out.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.i18n import translate
from camshare.models import AccessRecipient, AccessRequest, InboundSms, Owner, utcnow
from camshare.services import audit
from camshare.services.access.answers import answer_by_reply
from camshare.services.errors import DomainError
from camshare.services.footage.intake import offer_upload_by_sms
from camshare.services.live.shares import stop_all_for_owner
from camshare.services.messaging.outbox import mark_opted_in, mark_opted_out
from camshare.services.throttle import hold, slot_name
from camshare.settings import Settings

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
START_WORDS = {"START", "UNSTOP"}
HELP_WORDS = {"HELP", "INFO", "AYUDA"}
APPROVE_WORDS = {"YES", "Y", "SI", "OK", "APPROVE"}
DECLINE_WORDS = {"NO", "N", "DECLINE"}
LIVE_OFF_WORDS = {"LIVE OFF", "LIVEOFF", "VIDEO NO", "VIDEONO", "VIDEO OFF"}
_ANSWER = re.compile(r"^([A-Z]+)\s+([A-Z0-9]{4,8})$")


def normalize(body: str) -> str:
    """Upper case, accents and punctuation dropped, spaces collapsed ("Sí, k7p3!" → "SI K7P3")."""
    text = unicodedata.normalize("NFKD", body or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).upper()
    text = re.sub(r"[^A-Z0-9 ]+", " ", text)
    return " ".join(text.split())


def handle_inbound_sms(
    session: Session,
    provider_sid: str,
    from_e164: str,
    body: str,
    settings: Settings,
    now: datetime | None = None,
) -> str | None:
    """Act on one inbound text; returns the reply to send back (None: no reply).

    Twilio may deliver the same webhook twice at once: the second waits for the first
    (``hold`` on the message's id), then finds it and repeats its reply.
    """
    hold(session, slot_name("inbound", provider_sid))
    seen = session.scalar(select(InboundSms).where(InboundSms.provider_sid == provider_sid))
    if seen is not None:
        return seen.reply
    now = now or utcnow()
    owner = session.scalar(select(Owner).where(Owner.phone_e164 == from_e164))
    language = owner.language if owner else "en"
    text = normalize(body)
    outcome, reply = _act(session, owner, from_e164, text, language, settings, now)
    session.add(
        InboundSms(
            provider_sid=provider_sid,
            from_e164=from_e164,
            outcome=outcome,
            reply=reply,
            received_at=now,
        )
    )
    audit.record(
        session,
        f"owner:{owner.id}" if owner else "sms:unknown",
        "sms.received",
        subject=provider_sid,
        outcome=outcome,
    )
    return reply


def _act(
    session: Session,
    owner: Owner | None,
    from_e164: str,
    text: str,
    language: str,
    settings: Settings,
    now: datetime,
) -> tuple[str, str | None]:
    program = settings.program(language)
    if text in STOP_WORDS:
        mark_opted_out(session, from_e164, now)
        return "opted_out", translate(language, "sms.reply_stopped", program=program)
    opted_out = owner is not None and owner.sms_opted_out_at is not None
    if text in START_WORDS or (text == "YES" and opted_out):
        mark_opted_in(session, from_e164)
        return "opted_in", translate(language, "sms.reply_started", program=program)
    if text in HELP_WORDS:
        return "help", translate(
            language, "sms.reply_help", program=program, agency=settings.agency(language)
        )
    if text in LIVE_OFF_WORDS and owner is not None:
        stopped = stop_all_for_owner(session, settings, owner.id, now, "sms")
        key = "sms.reply_live_off" if stopped else "sms.reply_live_off_none"
        return "live_off", translate(language, key, program=program, count=stopped)
    if text in APPROVE_WORDS | DECLINE_WORDS:
        codes = _open_codes(session, from_e164, now)
        return "code_missing", translate(
            language, "sms.reply_code_missing", codes=" / ".join(codes) or "-"
        )
    match = _ANSWER.match(text)
    if match and match.group(1) in APPROVE_WORDS | DECLINE_WORDS:
        answer = "approved" if match.group(1) in APPROVE_WORDS else "declined"
        try:
            request = answer_by_reply(session, from_e164, answer, match.group(2), now)
        except DomainError as exc:
            return exc.key, translate(
                language, f"sms.reply_{exc.key.replace('.', '_')}", **exc.params
            )
        if answer == "approved" and owner is not None:
            # A follow-up text with the link where the owner sends their footage.
            offer_upload_by_sms(session, settings, request.id, owner)
        return answer, translate(language, f"sms.reply_{answer}", code=match.group(2))
    return "unrecognised", translate(language, "sms.reply_unrecognised", program=program)


def _open_codes(session: Session, phone_e164: str, now: datetime) -> list[str]:
    """The codes of the open requests this number was asked in, to remind the owner."""
    return list(
        session.scalars(
            select(AccessRequest.reply_code)
            .join(AccessRecipient, AccessRecipient.request_id == AccessRequest.id)
            .join(Owner, Owner.id == AccessRecipient.owner_id)
            .where(
                Owner.phone_e164 == phone_e164,
                AccessRequest.status == "open",
                AccessRequest.expires_at > now,
            )
            .order_by(AccessRequest.id)
        )
    )

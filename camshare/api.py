"""Plain HTTP routes served beside the Reflex app (mounted through ``api_transformer``)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from camshare.db import session_scope
from camshare.routes import TWILIO_INBOUND, TWILIO_STATUS
from camshare.runtime import in_session
from camshare.services.delivery import record_delivery_status
from camshare.services.inbound_sms import handle_inbound_sms
from camshare.settings import get_settings


async def health(_request: Request) -> JSONResponse:
    """Liveness and database reachability, for load balancers and the tests."""

    def ping() -> None:
        with session_scope() as session:
            session.execute(text("SELECT 1"))

    try:
        await asyncio.to_thread(ping)
    except Exception:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def twilio_signature_ok(request: Request, form: dict[str, str]) -> bool:
    """Check X-Twilio-Signature against the public URL Twilio was given (not the proxy's)."""
    settings = get_settings()
    if not settings.twilio_auth_token:
        return False
    url = settings.public_url(request.url.path)
    if request.url.query:
        url += "?" + request.url.query
    validator = RequestValidator(settings.twilio_auth_token)
    return validator.validate(url, form, request.headers.get("X-Twilio-Signature", ""))


async def twilio_status(request: Request) -> Response:
    """Twilio's delivery report for a message we sent; forged or unsigned ones get 403."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not twilio_signature_ok(request, form):
        return Response(status_code=403)
    sid, status = form.get("MessageSid", ""), form.get("MessageStatus", "")
    if sid and status:
        await asyncio.to_thread(
            in_session, record_delivery_status, sid, status, form.get("ErrorCode") or None
        )
    return Response(status_code=204)


async def twilio_inbound(request: Request) -> Response:
    """A text an owner sent us (STOP, HELP, "YES K7P3"…); answered with TwiML."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not twilio_signature_ok(request, form):
        return Response(status_code=403)
    sid, sender = form.get("MessageSid", ""), form.get("From", "")
    if not sid or not sender:
        return Response(status_code=400)
    reply = await asyncio.to_thread(
        in_session,
        handle_inbound_sms,
        sid,
        sender,
        form.get("Body", ""),
        get_settings(),
    )
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return Response(str(twiml), media_type="application/xml")


def create_api() -> Starlette:
    """A fresh Starlette app (Reflex's test harness re-imports the app module)."""
    return Starlette(
        routes=[
            Route("/api/health", health),
            Route(TWILIO_STATUS, twilio_status, methods=["POST"]),
            Route(TWILIO_INBOUND, twilio_inbound, methods=["POST"]),
        ]
    )

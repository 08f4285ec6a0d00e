"""Plain HTTP routes served beside the Reflex app (mounted through ``api_transformer``)."""

from __future__ import annotations

import json
from datetime import date
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from camshare.api_custody import custody_routes
from camshare.api_footage import create_footage_app
from camshare.api_live_bridge import live_bridge_routes
from camshare.api_live_watch import live_watch_routes
from camshare.api_sessions import session_routes
from camshare.client_address import connection_client_ip
from camshare.readiness import is_ready, readiness
from camshare.routes import (
    CAMPAIGN_FILES,
    DASHBOARD_CSV,
    FOOTAGE_TUS,
    HEALTH,
    HEALTHZ,
    MY_DATA,
    READYZ,
    TWILIO_INBOUND,
    TWILIO_STATUS,
)
from camshare.runtime import in_session_async
from camshare.services.messaging import provider_fields
from camshare.services.messaging.delivery_reports import record_delivery_status
from camshare.services.outreach.campaigns import FLYER_LANGUAGES
from camshare.services.outreach.flyers import CAMPAIGN_FILES as CAMPAIGN_FILE_TYPES
from camshare.services.outreach.flyers import CampaignFile, campaign_file
from camshare.services.outreach.signup_figures import ALL, dashboard_csv
from camshare.services.owners.account import signed_in_owner
from camshare.services.owners.inbound_sms import handle_inbound_sms
from camshare.services.owners.withdrawal import my_data
from camshare.services.permissions import Actor
from camshare.session_cookies import OWNER_COOKIE, STAFF_COOKIE
from camshare.settings import get_settings
from camshare.staff_routes import as_staff

T = TypeVar("T")
# Staff files hold nothing a shared cache or a later user of the browser should keep.
PRIVATE = {"Cache-Control": "private, no-store"}


async def health(_request: Request) -> JSONResponse:
    """Liveness and database reachability, for load balancers and the tests."""

    def ping(session: Session) -> None:
        session.execute(text("SELECT 1"))

    try:
        await in_session_async(ping)
    except Exception:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})


async def healthz(_request: Request) -> JSONResponse:
    """Alive: the process answers (no database call, so a database outage does not make a
    supervisor restart every web process)."""
    return JSONResponse({"status": "ok"}, headers=PRIVATE)


async def readyz(_request: Request) -> JSONResponse:
    """Ready for traffic: database reachable, schema at the newest migration, Redis
    reachable when used, a dispatcher alive; 503 with the failing checks otherwise."""
    checks = await readiness()
    ready = is_ready(checks)
    return JSONResponse(
        {"status": "ok" if ready else "unready", "checks": checks},
        status_code=200 if ready else 503,
        headers=PRIVATE,
    )


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
    """Twilio's delivery report for a message we sent; forged or unsigned ones get 403,
    malformed ones 400 (nothing stored)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not twilio_signature_ok(request, form):
        return Response(status_code=403)
    try:
        report = provider_fields.status_report(form)
    except provider_fields.Malformed:
        return Response(status_code=400)
    if report.status is not None:
        await in_session_async(record_delivery_status, report.sid, report.status, report.error_code)
    return Response(status_code=204)


async def twilio_inbound(request: Request) -> Response:
    """A text an owner sent us (STOP, HELP, "YES K7P3"…); answered with TwiML.

    Forged or unsigned ones get 403, malformed ones 400 (nothing stored).
    """
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not twilio_signature_ok(request, form):
        return Response(status_code=403)
    try:
        text = provider_fields.inbound_text(form)
    except provider_fields.Malformed:
        return Response(status_code=400)
    reply = await in_session_async(
        handle_inbound_sms, text.sid, text.from_e164, text.body, get_settings()
    )
    twiml = MessagingResponse()
    if reply:
        twiml.message(reply)
    return Response(str(twiml), media_type="application/xml")


REFUSALS = {
    400: "Check the dates and the table asked for",
    401: "Sign in as staff first",
    403: "Forbidden",
    404: "Not found",
}


def _download(found, media_type: str, filename: str, content) -> Response:
    if isinstance(found, int):
        return PlainTextResponse(REFUSALS[found], status_code=found, headers=PRIVATE)
    return Response(
        content,
        media_type=media_type,
        headers={
            **PRIVATE,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


async def campaign_file_download(request: Request) -> Response:
    """A campaign's QR code (qr.png, qr.svg) or flyer (flyer.pdf?lang=en|es|both), for
    outreach staff and admins signed in on this browser; each download is audited."""
    code, name = request.path_params["code"], request.path_params["name"]
    language = (request.query_params.get("lang") or None) if name == "flyer.pdf" else None
    if name not in CAMPAIGN_FILE_TYPES:
        return PlainTextResponse("Not found", status_code=404, headers=PRIVATE)
    if language is not None and language not in FLYER_LANGUAGES:
        return PlainTextResponse("lang must be en, es or both", status_code=400, headers=PRIVATE)

    def work(session: Session, actor: Actor) -> CampaignFile:
        return campaign_file(session, actor, code, name, get_settings(), language)

    found = await in_session_async(
        as_staff, request.cookies.get(STAFF_COOKIE), connection_client_ip(request), work
    )
    if isinstance(found, int):
        return _download(found, "", "", b"")
    return _download(found, found.media_type, found.filename, found.content)


async def dashboard_csv_download(request: Request) -> Response:
    """One of the sign-up dashboard's tables as CSV, with its filters; audited."""
    query = request.query_params
    table = query.get("table", "")

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(query.get(name, ""))
        except ValueError:
            return None

    def work(session: Session, actor: Actor) -> str:
        return dashboard_csv(
            session,
            actor,
            table,
            day("since"),
            day("until"),
            get_settings(),
            query.get("campaign") or ALL,
        )

    found = await in_session_async(
        as_staff,
        request.cookies.get(STAFF_COOKIE),
        connection_client_ip(request),
        work,
        400,
    )
    name = f"camshare-{table}-{query.get('since', '')}-{query.get('until', '')}.csv"
    content = found.encode("utf-8-sig") if isinstance(found, str) else b""
    return _download(found, "text/csv; charset=utf-8", name, content)


async def my_data_download(request: Request) -> Response:
    """Everything stored about the signed-in owner, as JSON (their copy, on request)."""

    def work(session: Session) -> dict | None:
        owner_id = signed_in_owner(
            session, request.cookies.get(OWNER_COOKIE), settings=get_settings()
        )
        return None if owner_id is None else my_data(session, owner_id)

    data = await in_session_async(work)
    if data is None:
        return PlainTextResponse(REFUSALS[401], status_code=401, headers=PRIVATE)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return _download(data, "application/json", "camshare-my-data.json", content)


def create_api() -> Starlette:
    """A fresh Starlette app (Reflex's test harness re-imports the app module)."""
    return Starlette(
        routes=[
            Route(HEALTH, health),
            Route(HEALTHZ, healthz),
            Route(READYZ, readyz),
            Route(TWILIO_STATUS, twilio_status, methods=["POST"]),
            Route(TWILIO_INBOUND, twilio_inbound, methods=["POST"]),
            Route(CAMPAIGN_FILES, campaign_file_download, methods=["GET"]),
            Route(DASHBOARD_CSV, dashboard_csv_download, methods=["GET"]),
            Route(MY_DATA, my_data_download, methods=["GET"]),
            *session_routes(),
            *custody_routes(),
            *live_bridge_routes(),
            *live_watch_routes(),
            # tus uploads of footage (a FastAPI app: tuspyserver is a FastAPI router)
            Mount(FOOTAGE_TUS.rsplit("/", 1)[0], app=create_footage_app()),
        ]
    )

"""The owner-site bridge's routes under ``/api/live/bridge/`` (``camshare_bridge.protocol``).

A bridge authenticates with its device secret (``Authorization: Bearer``), except when it
pairs (a one-time code) and when it pushes a share's files (that share's push secret, as
ffmpeg's HLS muxer sends them with ``-method PUT -headers``). Refusals are JSON
``{"detail": {"key": <message key>, "params": {...}}}`` with the status
``protocol.REFUSALS`` gives; 410 tells the bridge to stop that share at once. Nothing a
bridge could know of a camera's address reaches these routes: the payloads have no field
for it, and unknown fields are dropped unread.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import datetime

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from camshare import runtime
from camshare.runtime import in_session_async
from camshare.services.errors import DomainError
from camshare.services.live import devices, push
from camshare.services.live.devices import DeviceIdentity
from camshare.services.live.shares import ActiveShare, active_shares_for_device
from camshare.settings import get_settings
from camshare_bridge import protocol
from camshare_bridge.protocol import CameraReport, ShareOrder

HEADERS = {"Cache-Control": "no-store"}
# How often a held share poll looks again (a share's end reaches the bridge this fast).
POLL_SECONDS = 1.0


def _refusal(error: DomainError) -> JSONResponse:
    status = protocol.REFUSALS.get(error.key, 400)
    params = {key: str(value) for key, value in error.params.items()}
    return JSONResponse({"detail": {"key": error.key, "params": params}}, status, HEADERS)


async def _json(request: Request) -> object:
    try:
        return await request.json()
    except ValueError:
        raise DomainError("live.report_invalid") from None


async def pair(request: Request) -> Response:
    """POST {code, name}: a new device secret for the owner whose one-time code this is."""
    try:
        body = await _json(request)
        if not isinstance(body, dict):
            raise DomainError("live.pairing_code_invalid")
        paired = await in_session_async(
            devices.pair_device, str(body.get("code", "")), str(body.get("name", "")), runtime.now()
        )
    except DomainError as error:
        return _refusal(error)
    return JSONResponse(
        {"device_secret": paired.device_secret, "device_id": paired.device_id}, headers=HEADERS
    )


def _as_device(request: Request, work, *args):
    """``work(session, device, *args)`` for the bridge whose secret the call carries."""
    secret = protocol.bearer_secret(request.headers.get("authorization"))

    def run(session: Session):
        device = devices.authenticate_device(session, secret, runtime.now())
        return work(session, device, *args)

    return in_session_async(run)


async def cameras(request: Request) -> Response:
    """GET: the owner's registered cameras. PUT {cameras: [CameraReport]}: what the bridge found."""
    try:
        if request.method == "GET":
            found = await _as_device(request, devices.registered_cameras)
            return JSONResponse({"cameras": [c.to_json() for c in found]}, headers=HEADERS)
        body = await _json(request)
        items = body.get("cameras") if isinstance(body, dict) else None
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise DomainError("live.report_invalid")
        try:
            reports = [CameraReport.from_json(item) for item in items]
        except TypeError:
            raise DomainError("live.report_invalid") from None
        count = await _as_device(request, devices.report_cameras, reports, runtime.now())
    except DomainError as error:
        return _refusal(error)
    return JSONResponse({"reported": count}, headers=HEADERS)


def _orders(session: Session, device: DeviceIdentity, now: datetime) -> list[ActiveShare]:
    return active_shares_for_device(session, get_settings(), device.device_id, now)


def _version(shares: list[ActiveShare]) -> str:
    text = ";".join(f"{s.share_id}@{s.ends_at.isoformat()}" for s in shares)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def shares(request: Request) -> Response:
    """GET ?wait=N&known=V: the device's active shares, held up to N s while they stay V."""
    try:
        wait = min(max(float(request.query_params.get("wait", "0")), 0.0), protocol.MAX_WAIT)
    except ValueError:
        wait = 0.0
    known = request.query_params.get("known", "")
    deadline = time.monotonic() + wait
    try:
        while True:
            found = await _as_device(request, _orders, runtime.now())
            version = _version(found)
            if version != known or time.monotonic() + POLL_SECONDS > deadline:
                break
            await asyncio.sleep(POLL_SECONDS)
            if await request.is_disconnected():  # the bridge went away: hold nothing for it
                return Response(status_code=204, headers=HEADERS)
    except DomainError as error:
        return _refusal(error)
    settings = get_settings()
    orders = [
        ShareOrder(
            share_id=s.share_id,
            live_camera_id=s.live_camera_id,
            camera_id=s.camera_id,
            ends_at=s.ends_at.isoformat(),
            push_url=settings.public_url(protocol.push_path(s.share_id, "")).rstrip("/"),
            push_secret=s.push_secret,
        ).to_json()
        for s in found
    ]
    return JSONResponse({"shares": orders, "version": version}, headers=HEADERS)


async def _body(request: Request) -> bytes:
    """The request's bytes, refused past the largest segment allowed (never held whole)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > protocol.MAX_SEGMENT_BYTES:
            raise DomainError("live.segment_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


async def push_file(request: Request) -> Response:
    """PUT one file of a share's stream (playlist or segment) with the share's push secret."""
    share_id, name = request.path_params["share_id"], request.path_params["name"]
    secret = protocol.bearer_secret(request.headers.get("authorization"))
    try:
        data = await _body(request)
        await in_session_async(
            push.accept_segment,
            runtime.segment_store(),
            share_id,
            secret,
            name,
            data,
            runtime.now(),
        )
    except DomainError as error:
        return _refusal(error)
    return Response(status_code=204, headers=HEADERS)


def live_bridge_routes() -> list[Route]:
    """The bridge's routes, for ``api.create_api``."""
    return [
        Route(protocol.PAIR, pair, methods=["POST"]),
        Route(protocol.CAMERAS, cameras, methods=["GET", "PUT"]),
        Route(protocol.SHARES, shares, methods=["GET"]),
        Route(protocol.PUSH, push_file, methods=["PUT", "POST"]),
    ]

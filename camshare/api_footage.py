"""The owner's footage uploads over tus (``tuspyserver``'s FastAPI router), beside /api.

Every tus request carries the owner's upload link token in the ``Footage-Link`` header.
Creating an upload runs ``intake.begin_upload`` (link, limits, name); every later request
of that upload ``intake.check_upload`` (the link still works and the upload is its own);
the last byte runs ``intake.complete_upload`` off the event loop (which leaves any preview
and the receipt SMS to the worker, as rows). Refusals answer with a
JSON ``{"detail": {"key": <message key>, "params": {...}}}`` the page shows in the owner's
language. ``GET <tus>/<id>/receipt`` gives the receipt of a finished upload.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from functools import lru_cache

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from tuspyserver import create_tus_router

from camshare import runtime
from camshare.routes import FOOTAGE_TUS
from camshare.services.errors import DomainError
from camshare.services.footage import intake, pickup, receipts
from camshare.services.footage.parts import HashingPartStorage
from camshare.services.permissions import Actor, Forbidden
from camshare.services.staff.sessions import resolve_session
from camshare.session_cookies import STAFF_COOKIE
from camshare.settings import get_settings

LINK_HEADER = "Footage-Link"
# A pickup upload (an officer for an owner) names "<request id>:<recipient id>" here instead
# of a link, and is authorised by the officer's staff session cookie.
PICKUP_HEADER = "Footage-Pickup"
log = logging.getLogger(__name__)
# Refusals that a retry cannot change get 4xx codes tus clients do not retry.
STATUS = {
    "footage.link_invalid": 403,
    "footage.link_not_approved": 403,
    "footage.link_closed": 410,
    "footage.upload_unknown": 404,
    "footage.too_large": 413,
    "footage.too_many": 429,
}


@lru_cache(maxsize=1)
def footage_parts() -> HashingPartStorage:
    """Where this process receives uploads until they are complete."""
    return HashingPartStorage(get_settings().footage_parts_dir)


def _refusal(error: DomainError) -> HTTPException:
    return HTTPException(
        STATUS.get(error.key, 422),
        detail={"key": error.key, "params": {k: str(v) for k, v in error.params.items()}},
    )


def _token(request: Request) -> str:
    return request.headers.get(LINK_HEADER, "")


async def _officer(request: Request) -> Actor:
    """The staff member whose session cookie a pickup upload carries (refused otherwise)."""
    client = request.client.host if request.client else None
    actor = await runtime.in_session_async(
        resolve_session,
        request.cookies.get(STAFF_COOKIE),
        settings=get_settings(),
        ip_address=client,
    )
    if actor is None:
        raise HTTPException(401, detail={"key": "staff.forbidden", "params": {}})
    return actor


def _pickup_target(request: Request) -> tuple[int, int] | None:
    """(request id, recipient id) of a pickup upload, or None for an owner's own upload."""
    value = request.headers.get(PICKUP_HEADER)
    if value is None:
        return None
    request_id, _, recipient_id = value.partition(":")
    if not (request_id.isdigit() and recipient_id.isdigit()):
        raise HTTPException(400, detail={"key": "footage.upload_unknown", "params": {}})
    return int(request_id), int(recipient_id)


async def _authorise(request: Request) -> None:
    """HEAD, PATCH, DELETE of an upload: the link still works and the upload is its own
    (for a pickup: the officer who began it, still allowed to)."""
    upload_id = request.path_params.get("uuid")
    if upload_id is None:
        return  # creating (checked by the pre-create hook) or OPTIONS
    try:
        if _pickup_target(request) is not None:
            actor = await _officer(request)
            await runtime.in_session_async(pickup.check_pickup, actor, upload_id)
            return
        await runtime.in_session_async(
            intake.check_upload, get_settings(), _token(request), upload_id, runtime.now()
        )
    except Forbidden:
        raise HTTPException(403, detail={"key": "staff.forbidden", "params": {}}) from None
    except DomainError as error:
        raise _refusal(error) from None


async def _pre_create(request: Request):
    token = _token(request)
    target = _pickup_target(request)

    async def hook(metadata: dict, upload: dict) -> None:
        upload_id = uuid.uuid4().hex
        if upload.get("defer_length"):
            raise _refusal(DomainError("footage.length_required"))
        name = metadata.get("filename") or metadata.get("name") or ""
        described = (name, upload.get("size"), metadata.get("caption", ""), runtime.now())
        try:
            if target is not None:
                await runtime.in_session_async(
                    pickup.begin_pickup,
                    get_settings(),
                    await _officer(request),
                    *target,
                    upload_id,
                    *described,
                )
            else:
                await runtime.in_session_async(
                    intake.begin_upload, get_settings(), token, upload_id, *described
                )
        except Forbidden:
            raise HTTPException(403, detail={"key": "staff.forbidden", "params": {}}) from None
        except DomainError as error:
            raise _refusal(error) from None
        request.state.footage_upload_id = upload_id

    return hook


async def _file_options(request: Request):
    def options(_metadata: dict) -> dict | None:
        upload_id = getattr(request.state, "footage_upload_id", None)
        return {"uid": upload_id} if upload_id else None

    return options


async def _complete(part: str, _metadata: dict) -> None:
    upload_id = os.path.basename(part)
    parts = footage_parts()
    settings = get_settings()
    sha256 = await asyncio.to_thread(parts.sha256, upload_id)
    try:
        done = await asyncio.to_thread(
            intake.complete_upload,
            runtime.session_factory(),
            settings,
            runtime.footage_storage(),
            upload_id,
            part,
            sha256,
            runtime.now(),
        )
    except DomainError as error:
        raise _refusal(error) from None
    finally:
        await parts.delete(upload_id)
    if done.status == "refused":
        raise _refusal(DomainError(done.refusal_reason or "footage.refused.unknown"))


def create_footage_app() -> FastAPI:
    """The tus endpoint (and receipts) as an ASGI app, mounted at ``FOOTAGE_TUS``'s parent."""
    settings = get_settings()
    prefix = FOOTAGE_TUS.rsplit("/", 1)[1]
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(
        create_tus_router(
            prefix=prefix,
            files_dir=settings.footage_parts_dir,
            max_size=settings.footage_max_file_bytes,
            auth=_authorise,
            days_to_keep=max(1, round(settings.footage_incomplete_hours / 24)),
            on_upload_complete=_complete,
            pre_create_dep=_pre_create,
            file_dep=_file_options,
            storage=footage_parts(),
        )
    )

    @app.get(f"/{prefix}/{{upload_id}}/receipt")
    async def receipt(upload_id: str, request: Request) -> JSONResponse:
        try:
            found = await runtime.in_session_async(
                receipts.receipt_for_upload,
                get_settings(),
                _token(request),
                upload_id,
                runtime.now(),
            )
        except DomainError as error:
            raise _refusal(error) from None
        return JSONResponse(found.as_json(), headers={"Cache-Control": "no-store"})

    return app

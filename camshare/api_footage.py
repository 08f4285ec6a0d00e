"""The owner's footage uploads over tus (``tuspyserver``'s FastAPI router), beside /api.

Every tus request carries the owner's upload link token in the ``Footage-Link`` header.
Creating an upload runs ``intake.begin_upload`` (link, limits, name); every later request
of that upload ``intake.check_upload`` (the link still works and the upload is its own);
the last byte runs ``intake.complete_upload`` off the event loop. Refusals answer with a
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
from camshare.services.footage import intake, receipts
from camshare.services.footage.parts import HashingPartStorage
from camshare.settings import get_settings

LINK_HEADER = "Footage-Link"
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
_previews: set[asyncio.Task] = set()


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


async def _authorise(request: Request) -> None:
    """HEAD, PATCH, DELETE of an upload: the link still works and the upload is its own."""
    upload_id = request.path_params.get("uuid")
    if upload_id is None:
        return  # creating (checked by the pre-create hook) or OPTIONS
    try:
        await runtime.in_session_async(
            intake.check_upload, get_settings(), _token(request), upload_id, runtime.now()
        )
    except DomainError as error:
        raise _refusal(error) from None


async def _pre_create(request: Request):
    token = _token(request)

    async def hook(metadata: dict, upload: dict) -> None:
        upload_id = uuid.uuid4().hex
        if upload.get("defer_length"):
            raise _refusal(DomainError("footage.length_required"))
        try:
            await runtime.in_session_async(
                intake.begin_upload,
                get_settings(),
                token,
                upload_id,
                metadata.get("filename") or metadata.get("name") or "",
                upload.get("size"),
                metadata.get("caption", ""),
                runtime.now(),
            )
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
    if done.needs_preview:
        task = asyncio.create_task(
            asyncio.to_thread(
                intake.make_preview,
                runtime.session_factory(),
                runtime.footage_storage(),
                done.file_id,
                None,
            )
        )
        _previews.add(task)
        task.add_done_callback(_previews.discard)
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

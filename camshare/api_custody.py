"""The custody routes: play (HTTP Range, so a <video> can seek), download, thumbnail, export.

Every request resolves the staff session from its cookie and asks
``services/footage/access.py`` again, so a link copied into another browser, or kept
after a grant was withdrawn, opens nothing. Bytes are read from the storage interface in
chunks on a worker thread; nothing is held whole in memory.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import TypeVar
from urllib.parse import quote

from sqlalchemy.orm import Session
from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from camshare import routes, runtime
from camshare.client_address import connection_client_ip
from camshare.runtime import in_session_async
from camshare.services.footage import export, viewing
from camshare.services.footage.access import require_file
from camshare.services.permissions import Actor
from camshare.session_cookies import STAFF_COOKIE
from camshare.settings import get_settings
from camshare.staff_routes import as_staff
from camshare.vocabulary import LANGUAGES

T = TypeVar("T")
CHUNK = 256 * 1024
# Nothing served here may be kept by a cache, sniffed as another type or framed.
HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


def _refusal(status: int) -> Response:
    text = {401: "Sign in as staff first", 403: "Forbidden", 404: "Not found", 416: "Range"}
    return PlainTextResponse(text.get(status, "Refused"), status_code=status, headers=HEADERS)


def _chunks(key: str, start: int, length: int) -> Iterator[bytes]:
    with runtime.footage_storage().open(key, start) as source:
        left = length
        while left > 0:
            chunk = source.read(min(CHUNK, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk


def parse_range(header: str | None, size: int) -> tuple[int, int] | int | None:
    """(start, end inclusive) of a single ``bytes=`` range; None for the whole; 416 if unmet."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None:
        return None  # several ranges or another unit: the whole file, as RFC 9110 allows
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return 416
    return start, end


def content_disposition(disposition: str, filename: str) -> str:
    """The header naming ``filename``: an ASCII fallback, and the real name (RFC 6266)."""
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", filename)[:200] or "footage"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _serve(found: viewing.FootageBytes, request: Request, size: int) -> Response:
    headers = {**HEADERS, "Accept-Ranges": "bytes"}
    disposition = "attachment" if found.attachment else "inline"
    headers["Content-Disposition"] = content_disposition(disposition, found.filename)
    wanted = parse_range(request.headers.get("range"), size)
    if wanted == 416:
        return Response(status_code=416, headers={**HEADERS, "Content-Range": f"bytes */{size}"})
    start, end = (0, size - 1) if wanted is None else wanted
    length = end - start + 1 if size else 0
    headers["Content-Length"] = str(length)
    status = 200
    if wanted is not None:
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    body = iterate_in_threadpool(_chunks(found.storage_key, start, length))
    return StreamingResponse(body, status_code=status, media_type=found.media_type, headers=headers)


async def footage_link(request: Request) -> Response:
    """Play (inline, ranges) or download (attachment) the file a signed link names."""
    token = request.path_params["token"]
    settings = get_settings()
    range_header = request.headers.get("range") or ""
    # A resumed download's later ranges are the same download, logged once.
    first_byte = not range_header or range_header.startswith(("bytes=0-", "bytes=-"))

    def work(session: Session, actor: Actor) -> viewing.FootageBytes:
        return viewing.open_link(session, actor, token, settings.secret_key, first_byte=first_byte)

    found = await in_session_async(
        as_staff, request.cookies.get(STAFF_COOKIE), connection_client_ip(request), work
    )
    if isinstance(found, int):
        return _refusal(found)
    size = found.size_bytes
    if size is None or found.derived:
        size = await asyncio.to_thread(runtime.footage_storage().size, found.storage_key)
    return _serve(found, request, size)


async def footage_thumbnail(request: Request) -> Response:
    """A file's thumbnail, for those who may view it (not logged: it is not the footage)."""
    file_id = request.path_params["file_id"]

    def work(session: Session, actor: Actor) -> str | None:
        file, _access = require_file(session, actor, file_id, "view")
        return file.thumbnail_key

    key = await in_session_async(
        as_staff, request.cookies.get(STAFF_COOKIE), connection_client_ip(request), work
    )
    if isinstance(key, int):
        return _refusal(key)
    if not key:
        return _refusal(404)
    thumb = viewing.FootageBytes(file_id, key, "image/jpeg", "thumbnail.jpg", None, True, False)
    size = await asyncio.to_thread(runtime.footage_storage().size, key)
    return _serve(thumb, request, size)


async def footage_export(request: Request) -> Response:
    """A request's case-file archive, streamed; the export is logged before the first byte."""
    request_id = request.path_params["request_id"]
    language = request.query_params.get("lang", "en")
    if language not in LANGUAGES:
        language = "en"
    settings = get_settings()

    def work(session: Session, actor: Actor) -> export.ExportPlan:
        return export.plan_export(session, actor, request_id, settings, language)

    plan = await in_session_async(
        as_staff, request.cookies.get(STAFF_COOKIE), connection_client_ip(request), work
    )
    if isinstance(plan, int):
        return _refusal(plan)
    body = iterate_in_threadpool(export.stream_archive(plan, runtime.footage_storage()))
    headers = {**HEADERS, "Content-Disposition": content_disposition("attachment", plan.filename)}
    return StreamingResponse(body, media_type="application/zip", headers=headers)


def custody_routes() -> list[Route]:
    """The custody routes (what police read), for ``api.create_api``."""
    return [
        Route(routes.FOOTAGE_LINK, footage_link, methods=["GET"]),
        Route(routes.FOOTAGE_THUMBNAIL, footage_thumbnail, methods=["GET"]),
        Route(routes.FOOTAGE_EXPORT, footage_export, methods=["GET"]),
    ]

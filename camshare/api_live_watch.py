"""The viewer's side of live view: ``/api/live/watch/<viewer credential>/<name>``.

The board's player fetches a share's playlist and segments here, never from the bridge or
the store directly. Each fetch checks the credential (forged or expired: 401) and that the
share still runs (ended: 410), and advances the viewer's viewing session; so a copied URL
stops working when the credential expires or the share ends. Nothing is cached anywhere.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from camshare import runtime
from camshare.routes import LIVE_WATCH
from camshare.runtime import in_session_async
from camshare.services.live.viewing import WatchRefused, check_viewer
from camshare.settings import get_settings
from camshare_bridge import protocol

PLAYLIST = "index.m3u8"
TYPES = {"ts": "video/mp2t", "m4s": "video/iso.segment", "mp4": "video/mp4"}
HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


async def watch(request: Request) -> Response:
    """GET one file of a share's stream for the viewer whose credential the path carries."""
    credential, name = request.path_params["credential"], request.path_params["name"]
    # Only the names a bridge may push (the protocol's) are ever looked up.
    if not protocol.SEGMENT_NAME.fullmatch(name):
        return JSONResponse({"detail": "live.watch.not_found"}, 404, HEADERS)
    try:
        watching = await in_session_async(check_viewer, get_settings(), credential, runtime.now())
    except WatchRefused as refused:
        return JSONResponse({"detail": refused.key}, refused.status, HEADERS)
    # The store is a folder or Redis: read it off the event loop, as the push route does.
    store = runtime.segment_store()
    if name == PLAYLIST:
        text = await asyncio.to_thread(store.playlist, watching.share_id)
        if text is None:
            return JSONResponse({"detail": "live.watch.no_stream_yet"}, 404, HEADERS)
        return Response(text, headers=HEADERS, media_type="application/vnd.apple.mpegurl")
    data = await asyncio.to_thread(store.get, watching.share_id, name)
    if data is None:
        return JSONResponse({"detail": "live.watch.not_found"}, 404, HEADERS)
    return Response(data, headers=HEADERS, media_type=TYPES[name.rsplit(".", 1)[1]])


def live_watch_routes() -> list[Route]:
    """The viewer's route, for ``api.create_api``."""
    return [Route(LIVE_WATCH, watch, methods=["GET"])]

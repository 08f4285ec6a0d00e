"""Plain HTTP routes served beside the Reflex app (mounted through ``api_transformer``)."""

from __future__ import annotations

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from camshare.db import session_scope


async def health(_request: Request) -> JSONResponse:
    """Liveness and database reachability, for load balancers and the tests."""
    try:
        with session_scope() as session:
            session.execute(text("SELECT 1"))
    except Exception:
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok"})


def create_api() -> Starlette:
    """A fresh Starlette app (Reflex's test harness re-imports the app module)."""
    return Starlette(routes=[Route("/api/health", health)])

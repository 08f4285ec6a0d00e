"""The HTTP side of signing in and out: where session cookies are set and cleared.

Event handlers cannot set an HttpOnly cookie, so a sign-in ends with the page POSTing its
hand-off code here (``camshare.services.session_handoff``); signing out is a POST here too,
so the cookie is cleared by a response. Both refuse a POST whose Origin is not this
installation's (with SameSite=Strict cookies, a second guard against cross-site forms).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from camshare import routes
from camshare.client_address import connection_client_ip
from camshare.runtime import in_session_async
from camshare.services.owners.account import sign_out_owner
from camshare.services.session_handoff import redeem_handoff
from camshare.services.staff.sessions import sign_out
from camshare.session_cookies import COOKIES, clear_session_cookie, read_cookie, set_session_cookie
from camshare.settings import get_settings

SIGN_IN_PAGES = {"staff": routes.STAFF_SIGN_IN, "owner": routes.MY_SIGN_IN}
NO_STORE = {"Cache-Control": "no-store"}


def _same_origin(request: Request) -> bool:
    """Whether the POST comes from one of our own pages.

    Our pages send no referrer, and a browser then sends ``Origin: null`` on a form POST;
    its ``Sec-Fetch-Site`` still says whether the page was ours.
    """
    origin = request.headers.get("origin", "").lower()
    if origin and origin != "null":
        return origin in get_settings().allowed_origins
    return request.headers.get("sec-fetch-site") == "same-origin"


def _refused(request: Request) -> Response | None:
    """Why a session POST is refused (an unknown kind, another site's page), or None."""
    if request.path_params["kind"] not in COOKIES:
        return Response(status_code=404)
    if not _same_origin(request):
        return Response(status_code=403)
    return None


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=NO_STORE)


async def take_handoff(request: Request) -> Response:
    """Turn a sign-in's hand-off code into the session cookie, then go on (303)."""
    if refusal := _refused(request):
        return refusal
    kind = request.path_params["kind"]
    form = await request.form()
    code = str(form.get("code") or "")
    settings = get_settings()
    token = await in_session_async(redeem_handoff, kind, code, settings)
    if token is None:
        return _see_other(SIGN_IN_PAGES[kind])
    if kind == "staff":
        response = _see_other(routes.safe_staff_next(str(form.get("next") or "")))
        hours = settings.staff_session_hours
    else:
        response = _see_other(routes.MY)
        hours = settings.owner_session_hours
    set_session_cookie(response, COOKIES[kind], token, hours, settings)
    return response


async def end_session(request: Request) -> Response:
    """Sign out: end the session on the server, clear the cookie, back to sign-in (303)."""
    if refusal := _refused(request):
        return refusal
    kind = request.path_params["kind"]
    token = read_cookie(request.headers.get("cookie"), COOKIES[kind])
    if token:
        if kind == "staff":
            ip = connection_client_ip(request)
            await in_session_async(sign_out, token, ip_address=ip)
        else:
            await in_session_async(sign_out_owner, token)
    response = _see_other(SIGN_IN_PAGES[kind])
    clear_session_cookie(response, COOKIES[kind], get_settings())
    return response


def session_routes() -> list[Route]:
    """The sign-in hand-off and sign-out routes."""
    return [
        Route(routes.SESSION_HANDOFF, take_handoff, methods=["POST"]),
        Route(routes.SESSION_SIGN_OUT, end_session, methods=["POST"]),
    ]

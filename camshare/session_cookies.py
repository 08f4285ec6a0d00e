"""The session cookies: their names, and how they are read, set and cleared.

A session credential is HttpOnly (no script reads it), Secure when the site is served over
HTTPS, SameSite=Strict (no other site's page sends it along), and is set and cleared only
by the server over plain HTTP (``camshare.api_sessions``). Reflex event handlers read it
from the event socket handshake's Cookie header, which stays on the server; it is never a
state var, so it never travels in the socket's state deltas.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from starlette.responses import Response

from camshare.settings import Settings

# The staff pages' session (camshare.state.staff.StaffState).
STAFF_COOKIE = "camshare_staff"
# The owner's own pages (camshare.state.owner.OwnerState).
OWNER_COOKIE = "camshare_owner"
# The session kinds a hand-off or sign-out names in its URL, and their cookies.
COOKIES = {"staff": STAFF_COOKIE, "owner": OWNER_COOKIE}


def read_cookie(cookie_header: str | None, name: str) -> str:
    """The value of cookie ``name`` in a Cookie header ("" when absent or unreadable)."""
    if not cookie_header:
        return ""
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return ""
    morsel = jar.get(name)
    return morsel.value if morsel is not None else ""


def set_session_cookie(
    response: Response, name: str, token: str, max_age_hours: float, settings: Settings
) -> None:
    """Give the browser a session token it keeps but no script can read."""
    response.set_cookie(
        name,
        token,
        max_age=int(max_age_hours * 3600),
        path="/",
        secure=settings.served_over_https,
        httponly=True,
        samesite="strict",
    )


def clear_session_cookie(response: Response, name: str, settings: Settings) -> None:
    """Make the browser forget a session token (with the same flags it was set with)."""
    response.delete_cookie(
        name, path="/", secure=settings.served_over_https, httponly=True, samesite="strict"
    )

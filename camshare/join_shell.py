"""A flyer's /join/<code> opens the sign-up's prerendered page, so its first field shows at once.

A route with a parameter cannot be prerendered: for /join/<code> React Router sends its
shared shell, and the form appears only once the page's own code has come in a second
wave after the app's (about 10 s on slow 3G). The flyers keep their /join/<code> links: the
server answers them with the prerendered /join page (the form itself), and ``SCRIPT``, in
the head of every page and run before React starts, writes the address as
/join?code=<code>, which is the page that HTML was made for. ``JoinState`` reads the code
from either form of the address. The same script keeps a form typed into before React
starts from being submitted the browser's way (see ``SCRIPT``).
"""

from __future__ import annotations

import re

from camshare import routes

CODE_PARAMETER = "code"
_PREFIX = routes.path_prefix(routes.JOIN_CAMPAIGN)  # "/join/"
# /join/<one path segment>: what a flyer's QR code opens.
_FLYER_PATH = re.compile(re.escape(_PREFIX) + r"([^/]+)/?")
_FLYER_PATH_JS = "^" + _PREFIX.replace("/", "\\/") + "([^/]+)\\/?$"

# The prerendered form can be typed into before React starts (its inputs are uncontrolled:
# what was typed stays in the field and is sent with the step), but a press of Continue or
# Enter in a field would then submit it the browser's way, a GET with every field in the
# address (and the server's log). Every form here is React's, so none is ever submitted so:
# React's handler still gets the event once it has started.
SCRIPT = (
    f"(() => {{ const m = location.pathname.match(/{_FLYER_PATH_JS}/); if (m) "
    f"history.replaceState(history.state, '', "
    f"'{routes.JOIN}?{CODE_PARAMETER}=' + m[1] + location.search.replace('?', '&') "
    f"+ location.hash); "
    f"document.addEventListener('submit', (e) => e.preventDefault(), true); }})();"
)


def serve_join_shell(app):
    """The ``api_transformer`` step answering GET /join/<code> with the /join page."""

    async def shell(scope, receive, send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") in ("GET", "HEAD")
            and (_FLYER_PATH.fullmatch(path := scope.get("path", "")) or path == routes.JOIN)
        ):
            # With the slash: the static files would answer "/join" with a redirect to it, and
            # a redirect while the phone walks its history back after a reload loses the step.
            shell_path = routes.JOIN + "/"
            scope = {**scope, "path": shell_path, "raw_path": shell_path.encode()}
        await app(scope, receive, send)

    return shell


def campaign_code(path: str, query: dict[str, str]) -> str | None:
    """The campaign code of a sign-up address: /join/<code> or /join?code=<code>."""
    found = _FLYER_PATH.fullmatch(path)
    code = found.group(1) if found else query.get(CODE_PARAMETER)
    return code or None

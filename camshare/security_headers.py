"""Security headers on every response the app sends, with or without a proxy in front.

Wrapped around Reflex's backend app through ``api_transformer`` (camshare.camshare): in
``reflex run --env prod`` that app serves the compiled pages and assets too
(REFLEX_MOUNT_FRONTEND_COMPILED_APP), so one middleware covers pages, static files,
/api and the event socket's handshake. The headers come from the ``secure`` library.

The Content-Security-Policy is as tight as a Reflex production build allows; README.md
("Browser security") says what it cannot forbid and why.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import urlparse

from secure import (
    CacheControl,
    ContentSecurityPolicy,
    ReferrerPolicy,
    Secure,
    StrictTransportSecurity,
    XContentTypeOptions,
    XFrameOptions,
)
from secure.middleware.asgi import SecureASGIMiddleware

from camshare import routes
from camshare.settings import Settings

# Pages and downloads that show personal data or carry a token in their URL: no cache,
# shared or the browser's own, may keep them.
PRIVATE_PREFIXES = (
    routes.STAFF_HOME,
    routes.MY,
    *(
        routes.path_prefix(route)
        for route in (routes.MANAGE, routes.OWNER_ANSWER, routes.RECONSENT, routes.RECONFIRM)
    ),
    routes.OUTBOX,
    routes.MY_DATA.rpartition("/")[0] + "/",
    routes.path_prefix(routes.SESSION_HANDOFF),
    routes.path_prefix(routes.CAMPAIGN_FILES),
    routes.DASHBOARD_CSV,
)
# The build names each file of its own after the file's content (Vite: name-<8 characters>),
# so such a file never changes: a phone keeps it a year without asking again.
HASHED_ASSET = re.compile(r"/assets/[^/]+-[A-Za-z0-9_-]{8}\.[a-z0-9]+")
# Served by our routes and Reflex's own endpoints (event socket, upload, health), which
# say themselves how they may be cached.
OWN_CACHING = (routes.API + "/", "/_", "/ping")
YEAR_SECONDS = 365 * 24 * 3600


def cache_rule(path: str) -> str:
    """How a response for ``path`` may be kept: "no-store" (personal data or a token in the
    URL), "immutable" (a hashed build file), "own" (left to the route), or "revalidate"
    (pages and every other file: kept, but checked with the server at each use, so a
    returning phone gets a 304 for an unchanged page and the new build after a deploy)."""
    if is_private(path):
        return "no-store"
    if HASHED_ASSET.fullmatch(path):
        return "immutable"
    if path.startswith(OWN_CACHING):
        return "own"
    return "revalidate"


CACHE_CONTROL = {
    "no-store": CacheControl().no_store(),
    "immutable": CacheControl().public().max_age(YEAR_SECONDS).immutable(),
    "revalidate": CacheControl().no_cache(),
    "own": None,
}


def _tile_source(tile_url: str) -> str | None:
    """The origin map tiles come from, as a CSP source ({s} subdomains as a wildcard)."""
    parts = urlparse(tile_url.replace("{s}", "*"))
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _socket_sources(settings: Settings) -> list[str]:
    """The event socket's ws(s):// origins (same host as the pages).

    'self' already covers them in current browsers; listed for older ones. CSP has no
    syntax for IPv6 literals, so those rely on 'self' alone.
    """
    return [
        origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        for origin in settings.allowed_origins
        if "[" not in origin
    ]


# An inline <script> (one without a src) in a built page.
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


def inline_script_hashes(static_dir: Path) -> list[str]:
    """A CSP hash source for each inline script of the built pages, sorted ([] if no build).

    Reflex's prerendered pages start React with inline scripts; allowing exactly those
    (rather than 'unsafe-inline') refuses any script injected into a page.
    """
    found = set()
    for page in static_dir.rglob("*.html"):
        for script in _INLINE_SCRIPT.findall(page.read_text(encoding="utf-8")):
            digest = hashlib.sha256(script.encode("utf-8")).digest()
            found.add(f"'sha256-{base64.b64encode(digest).decode('ascii')}'")
    return sorted(found)


def content_security_policy(
    settings: Settings, script_hashes: list[str] | None = None
) -> ContentSecurityPolicy:
    """The policy for every page (see the README for each allowance's reason).

    Without the build's ``script_hashes`` (no compiled frontend here), inline scripts are
    allowed wholesale: the pages could not start otherwise.
    """
    images = ["'self'", "data:", "blob:"]
    if tile := _tile_source(settings.map_tile_url):
        images.append(tile)
    return (
        ContentSecurityPolicy()
        .default_src("'self'")
        # Reflex's rx.call_script runs event scripts through eval.
        .script_src("'self'", *(script_hashes or ["'unsafe-inline'"]), "'unsafe-eval'")
        # Radix Themes and Reflex's styling set style attributes and inline <style>.
        .style_src("'self'", "'unsafe-inline'")
        .img_src(*images)
        .font_src("'self'", "data:")
        .connect_src("'self'", *_socket_sources(settings))
        .manifest_src("'self'")
        .worker_src("'self'")
        # The board's live player (hls.js) feeds the <video> through a MediaSource blob URL.
        .media_src("'self'", "blob:")
        .object_src("'none'")
        .frame_src("'none'")
        .base_uri("'self'")
        .form_action("'self'")
        .frame_ancestors("'none'")
    )


def _secure(settings: Settings, cache: str, script_hashes: list[str]) -> Secure:
    return Secure(
        csp=content_security_policy(settings, script_hashes),
        xfo=XFrameOptions().deny(),
        # Token pages (/r/, /a/, /c/, /manage/) must never leak their URL; no page needs
        # to send its address elsewhere, so the rule holds everywhere.
        referrer=ReferrerPolicy().no_referrer(),
        xcto=XContentTypeOptions().nosniff(),
        hsts=StrictTransportSecurity().max_age(settings.hsts_seconds)
        if settings.served_over_https
        else None,
        cache=CACHE_CONTROL[cache],
    )


def is_private(path: str) -> bool:
    """Whether ``path`` shows personal data or carries a token (no-store)."""
    return path.startswith(PRIVATE_PREFIXES)


def built_pages_dir() -> Path:
    """Where ``reflex run --env prod`` keeps the compiled pages it serves."""
    from reflex import constants
    from reflex.utils.prerequisites import get_web_dir

    return get_web_dir() / constants.Dirs.STATIC


class SecurityHeaders:
    """ASGI middleware: ``secure``'s headers on each HTTP response and socket handshake.

    The policy names the build's inline scripts by hash, read when the first request
    comes (the frontend is built by then); until a build is found it is looked for again.
    """

    def __init__(self, app, settings: Settings, static_dir: Path | None = None) -> None:
        self.app = app
        self.settings = settings
        self.static_dir = static_dir
        self.by_cache_rule: dict[str, SecureASGIMiddleware] = {}
        self._handshake_headers: list[tuple[bytes, bytes]] = []
        self._configured = False

    def _configure(self) -> None:
        hashes = inline_script_hashes(self.static_dir) if self.static_dir else []
        self.by_cache_rule = {
            rule: SecureASGIMiddleware(self.app, secure=_secure(self.settings, rule, hashes))
            for rule in CACHE_CONTROL
        }
        self._handshake_headers = [
            (name.lower().encode("ascii"), value.encode("latin-1"))
            for name, value in self.by_cache_rule["own"].secure.headers.items()
        ]
        self._configured = bool(hashes) or self.static_dir is None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        if not self._configured:
            self._configure()
        if scope["type"] == "http":
            rule = cache_rule(scope.get("path", ""))
            if rule == "immutable":
                send = _errors_not_kept(send)
            await self.by_cache_rule[rule](scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message.get("type") == "websocket.accept":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), *self._handshake_headers],
                }
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _errors_not_kept(send):
    """``send`` for a hashed file's response: a 404 (a build that is gone) is kept nowhere,
    or a phone would remember it for a year, even after a rollback brings the file back."""

    async def send_checked(message) -> None:
        if message.get("type") == "http.response.start" and message.get("status", 200) >= 400:
            headers = [
                (k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"
            ]
            message = {**message, "headers": [*headers, (b"cache-control", b"no-store")]}
        await send(message)

    return send_checked


def with_security_headers(settings: Settings):
    """The ``api_transformer`` step wrapping Reflex's app in ``SecurityHeaders``."""
    return lambda app: SecurityHeaders(app, settings, built_pages_dir())

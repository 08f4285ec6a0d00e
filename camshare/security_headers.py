"""Security headers on every response the app sends, with or without a proxy in front.

Wrapped around Reflex's backend app through ``api_transformer`` (camshare.camshare): in
``reflex run --env prod`` that app serves the compiled pages and assets too
(REFLEX_MOUNT_FRONTEND_COMPILED_APP), so one middleware covers pages, static files,
/api and the event socket's handshake. The headers come from the ``secure`` library.

The Content-Security-Policy is as tight as a Reflex production build allows; README.md
("Browser security") says what it cannot forbid and why.
"""

from __future__ import annotations

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

from camshare.settings import Settings

# Pages and downloads that show personal data or carry a token in their URL: no cache,
# shared or the browser's own, may keep them.
PRIVATE_PREFIXES = (
    "/staff",
    "/my",
    "/manage/",
    "/r/",
    "/a/",
    "/c/",
    "/outbox",
    "/api/my/",
    "/api/session/",
    "/api/campaigns/",
    "/api/dashboard.csv",
)


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


def content_security_policy(settings: Settings) -> ContentSecurityPolicy:
    """The policy for every page (see the README for each allowance's reason)."""
    images = ["'self'", "data:", "blob:"]
    if tile := _tile_source(settings.map_tile_url):
        images.append(tile)
    return (
        ContentSecurityPolicy()
        .default_src("'self'")
        # Reflex's prerendered pages bootstrap React with inline scripts, and its
        # rx.call_script runs event scripts through eval.
        .script_src("'self'", "'unsafe-inline'", "'unsafe-eval'")
        # Radix Themes and Reflex's styling set style attributes and inline <style>.
        .style_src("'self'", "'unsafe-inline'")
        .img_src(*images)
        .font_src("'self'", "data:")
        .connect_src("'self'", *_socket_sources(settings))
        .manifest_src("'self'")
        .worker_src("'self'")
        .media_src("'self'")
        .object_src("'none'")
        .frame_src("'none'")
        .base_uri("'self'")
        .form_action("'self'")
        .frame_ancestors("'none'")
    )


def _secure(settings: Settings, private: bool) -> Secure:
    return Secure(
        csp=content_security_policy(settings),
        xfo=XFrameOptions().deny(),
        # Token pages (/r/, /a/, /c/, /manage/) must never leak their URL; no page needs
        # to send its address elsewhere, so the rule holds everywhere.
        referrer=ReferrerPolicy().no_referrer(),
        xcto=XContentTypeOptions().nosniff(),
        hsts=StrictTransportSecurity().max_age(settings.hsts_seconds)
        if settings.served_over_https
        else None,
        cache=CacheControl().no_store() if private else None,
    )


def is_private(path: str) -> bool:
    """Whether ``path`` shows personal data or carries a token (no-store)."""
    return path.startswith(PRIVATE_PREFIXES)


class SecurityHeaders:
    """ASGI middleware: ``secure``'s headers on each HTTP response and socket handshake."""

    def __init__(self, app, settings: Settings) -> None:
        self.app = app
        self.public = SecureASGIMiddleware(app, secure=_secure(settings, private=False))
        self.private = SecureASGIMiddleware(app, secure=_secure(settings, private=True))
        self._handshake_headers = [
            (name.lower().encode("ascii"), value.encode("latin-1"))
            for name, value in self.public.secure.headers.items()
        ]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            chosen = self.private if is_private(scope.get("path", "")) else self.public
            await chosen(scope, receive, send)
            return
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message.get("type") == "websocket.accept":
                message = {
                    **message,
                    "headers": [*message.get("headers", []), *self._handshake_headers],
                }
            await send(message)

        await self.app(scope, receive, send_with_headers)


def with_security_headers(settings: Settings):
    """The ``api_transformer`` step wrapping Reflex's app in ``SecurityHeaders``."""
    return lambda app: SecurityHeaders(app, settings)

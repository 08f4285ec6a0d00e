"""Reflex configuration. camshare's own settings live in camshare/settings.py."""

import os

import reflex as rx
from reflex_base.constants import StateManagerMode
from reflex_base.plugins.sitemap import SitemapPlugin

from camshare.paint_before_scripts import PaintBeforeScripts
from camshare.settings import settings_or_exit

# A misspelt or unknown setting stops `reflex run` here, with the reason; the app module
# (camshare/camshare.py) also refuses an unsafe one.
settings = settings_or_exit(serving=False)

config = rx.Config(
    app_name="camshare",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # In production Reflex serves the pages, the event socket and /api on one port.
    frontend_port=settings.port,
    backend_port=settings.port,
    # A demo on this computer (the default localhost address) answers only this computer.
    backend_host=settings.bind_host,
    disable_plugins=[SitemapPlugin],
    # Each built page paints its words before the app's code is fetched.
    plugins=[PaintBeforeScripts()],
    # Behind a reverse proxy, client IPs (rate limits, consent receipts) come from
    # X-Forwarded-For; say how many proxies to trust.
    trusted_proxy_hops=settings.trusted_proxy_hops,
    # Only this installation's own pages may call /api and the event socket with the user's
    # cookies: Reflex gives this list to its CORS middleware and to the socket.io server,
    # which refuses a handshake from any other Origin.
    cors_allowed_origins=list(settings.allowed_origins),
    # Where each open tab's state lives. With REFLEX_REDIS_URL, Redis (Reflex's choice, and
    # the only one several workers can share). Without it, one process holds them in
    # memory: Reflex's default disk manager writes about 13 files per visitor and lists and
    # stat()s all of them on every write, so its cost grew with past visitors. Either way a
    # tab's state is dropped redis_token_expiration (an hour) after its last event.
    **(
        {}
        if os.environ.get("REFLEX_REDIS_URL")
        else {"state_manager_mode": StateManagerMode.MEMORY}
    ),
)

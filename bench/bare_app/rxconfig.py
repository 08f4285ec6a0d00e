"""Reflex configuration of the bare benchmark app: camshare's settings, nothing more."""

import os

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

# As in camshare: in production Reflex serves the page, the event socket and /api on one port.
PORT = int(os.environ.get("BARE_APP_PORT", "3000"))

config = rx.Config(
    app_name="bare_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=PORT,
    backend_port=PORT,
    disable_plugins=[SitemapPlugin],
)

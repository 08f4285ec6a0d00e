"""Reflex configuration. camshare's own settings live in camshare/settings.py."""

import os

import reflex as rx
from reflex_base.plugins.sitemap import SitemapPlugin

# In production Reflex serves the pages, the event socket and /api on one port.
PORT = int(os.environ.get("CAMSHARE_PORT", "3000"))

config = rx.Config(
    app_name="camshare",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    frontend_port=PORT,
    backend_port=PORT,
    disable_plugins=[SitemapPlugin],
)

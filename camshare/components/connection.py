"""A one-line notice while the connection to the server is lost.

Replaces Reflex's default overlay (a toast library and a pulsing icon): on a weak network
at a street fair the resident needs words, and the page should not pay for a toast
library to say them.
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.banner import has_connection_errors

from camshare.state.base import AppState


def connection_notice() -> rx.Component:
    """Shown only while the event socket is down; what was typed stays in the fields."""
    return rx.cond(
        has_connection_errors,
        rx.el.div(AppState.t["app.connection_lost"], role="status", class_name="connection-lost"),
    )

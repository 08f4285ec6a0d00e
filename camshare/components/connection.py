"""The one notice about the connection, and buttons that show at once that they work.

Replaces Reflex's default overlay (a toast library and a pulsing icon): on a weak network
at a street fair the resident needs words, and the page should not pay for a toast
library to say them. Reflex reports a broken socket only after its ping timeout, so
``assets/connection.js`` also probes the server while a press waits for its answer, marks
the pressed button at once, and fills this notice (lost connection, or "not sent").
"""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.banner import has_connection_errors

from camshare.state.base import AppState

CONNECTION_SCRIPT = "/connection.js"


def connection_notice() -> rx.Component:
    """Speaks while Reflex's own socket reports errors; the connection script reads its
    texts (in the page's language) for what it says itself. What was typed stays."""
    t = AppState.t
    # An app wrap receives the page as its children: a fragment keeps them beside the
    # notice, not inside its fixed box.
    return rx.fragment(
        rx.el.div(
            rx.cond(has_connection_errors, t["app.connection_lost"], ""),
            id="connection-notice",
            role="status",
            class_name="connection-lost",
            data_lost_text=t["app.connection_lost"],
            data_unsent_text=t["app.not_sent"],
            data_socket_down=rx.cond(has_connection_errors, "true", "false"),
        )
    )


def waiting_button(label: rx.Var, *, class_name: str = "primary", **props) -> rx.Component:
    """A button whose press waits on the server: a spinner and "Sending…" from the moment
    it is pressed (set in the browser by the connection script) until the answer."""
    if props.get("type", "button") != "submit":
        props["data_waits"] = "true"
    return rx.el.button(
        rx.el.span(label, class_name="button-label"),
        rx.el.span(AppState.t["app.sending"], class_name="button-pending"),
        type=props.pop("type", "button"),
        class_name=class_name,
        **props,
    )

"""The landing page at /."""

from __future__ import annotations

import reflex as rx

from camshare import routes
from camshare.components.layout import page_frame
from camshare.runtime import settings
from camshare.state.base import AppState

T = AppState.t


def home_page() -> rx.Component:
    """What the program is, and the way in."""
    links = [
        rx.el.a(T["home.start"], href=routes.JOIN, class_name="button primary"),
        # Owners who already registered (often from the installed app) come back here.
        rx.el.a(T["home.manage"], href=routes.MY_SIGN_IN, class_name="button secondary"),
    ]
    if settings().outbox_page_enabled:
        links.append(rx.el.a(T["home.outbox"], href=routes.OUTBOX, class_name="button secondary"))
    return page_frame(
        rx.el.h1(T["home.title"]),
        rx.el.p(T["home.lead"], class_name="lead"),
        *links,
    )

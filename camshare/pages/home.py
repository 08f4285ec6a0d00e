"""The landing page at /."""

from __future__ import annotations

import reflex as rx

from camshare.components.layout import page_frame
from camshare.runtime import settings
from camshare.state.base import AppState

T = AppState.t


def home_page() -> rx.Component:
    """What the program is, and the way in."""
    links = [rx.el.a(T["home.start"], href="/join", class_name="button primary")]
    if settings().outbox_page_enabled:
        links.append(rx.el.a(T["home.outbox"], href="/outbox", class_name="button secondary"))
    return page_frame(
        rx.el.h1(T["home.title"]),
        rx.el.p(T["home.lead"], class_name="lead"),
        *links,
    )

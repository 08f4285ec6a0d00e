"""/manage/<token>: where the receipt SMS leads.

The owner's own pages come in a later release; until then the link explains what the
owner can already do, and reveals nothing.
"""

from __future__ import annotations

import reflex as rx

from camshare.components.layout import page_frame
from camshare.state.base import AppState

T = AppState.t


def manage_page() -> rx.Component:
    """A holding page for the manage link."""
    return page_frame(
        rx.el.h1(T["manage.title"]),
        rx.el.p(T["manage.soon"], class_name="lead"),
        rx.el.p(T["manage.stop"]),
    )

"""The messages above a form: an error (an alert) or a confirmation (a status)."""

from __future__ import annotations

import reflex as rx


def form_messages(state) -> rx.Component:
    """``state``'s error summary and its last confirmation, each announced when it appears."""
    return rx.fragment(
        rx.cond(
            state.notice_text != "",
            rx.el.p(state.notice_text, role="alert", class_name="notice"),
        ),
        rx.cond(
            state.done_text != "",
            rx.el.p(state.done_text, role="status", class_name="notice done"),
        ),
    )

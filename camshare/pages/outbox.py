"""The demo SMS outbox page at /outbox."""

from __future__ import annotations

import reflex as rx

from camshare.components.layout import page_frame
from camshare.state.base import AppState
from camshare.state.outbox import OutboxState

T = AppState.t


def message_item(message: rx.Var) -> rx.Component:
    """One text message as the phone would show it."""
    return rx.el.li(
        rx.el.p(
            rx.el.strong(T["outbox.to"] + ": "),
            rx.el.span(message["to"], class_name="outbox-to"),
            rx.el.span(" · " + message["purpose"] + " · " + message["status"], class_name="muted"),
        ),
        rx.el.p(message["body"], class_name="sms-body"),
        rx.el.p(message["created_at"], class_name="muted"),
        class_name="sms",
        data_testid="outbox-message",
    )


def outbox_page() -> rx.Component:
    """Every message the app would send, for a demo without a Twilio account."""
    return page_frame(
        rx.el.h1(T["outbox.title"]),
        rx.cond(
            OutboxState.enabled,
            rx.el.div(
                rx.el.p(T["outbox.lead"], class_name="lead"),
                rx.el.button(
                    T["outbox.refresh"],
                    type="button",
                    class_name="secondary",
                    on_click=OutboxState.load,
                ),
                rx.cond(
                    OutboxState.messages.length() > 0,
                    rx.el.ul(rx.foreach(OutboxState.messages, message_item), class_name="outbox"),
                    rx.el.p(T["outbox.empty"]),
                ),
            ),
        ),
    )

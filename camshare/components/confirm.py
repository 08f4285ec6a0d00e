"""An action that asks first, in place: the question, "yes" and "cancel" as one group."""

from __future__ import annotations

import reflex as rx

from camshare.state.base import AppState

T = AppState.t


def confirm_in_place(
    asking: rx.Var, question: str, yes: str, on_yes, on_cancel, ask: str, on_ask
) -> rx.Component:
    """The ``ask`` button, or (while ``asking``) the ``question`` with ``yes`` and cancel."""
    return rx.cond(
        asking,
        rx.el.span(
            rx.el.span(T[question]),
            rx.el.button(
                T[yes], type="button", class_name="secondary small danger", on_click=on_yes
            ),
            rx.el.button(
                T["my.cancel"], type="button", class_name="link-button", on_click=on_cancel
            ),
            role="group",
        ),
        rx.el.button(T[ask], type="button", class_name="secondary small", on_click=on_ask),
    )

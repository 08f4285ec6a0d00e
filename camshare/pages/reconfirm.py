"""The re-confirmation page at /c/<token>: the owner's cameras and one big button."""

from __future__ import annotations

import reflex as rx

from camshare import routes
from camshare.components.connection import waiting_button
from camshare.components.layout import page_frame
from camshare.state.base import AppState
from camshare.state.reconfirm import ReconfirmState as R

T = AppState.t


def _manage_link() -> rx.Component:
    return rx.el.p(
        rx.el.a(T["reconfirm.changed"], href=routes.MY, id="manage-registration"),
        class_name="secondary-action",
    )


def _cameras() -> rx.Component:
    return rx.el.div(
        rx.el.p(T["reconfirm.lead"], class_name="lead"),
        rx.el.h2(T["reconfirm.your_cameras"]),
        rx.cond(
            R.locations.length() > 0,
            rx.el.ul(
                rx.foreach(
                    R.locations,
                    lambda loc: rx.el.li(
                        rx.el.p(loc["address"], class_name="site-address"),
                        rx.el.p(loc["cameras"], class_name="muted"),
                    ),
                ),
                class_name="sites",
                data_testid="reconfirm-sites",
            ),
            rx.el.p(T["reconfirm.no_locations"], class_name="muted"),
        ),
        rx.el.p(R.total_text, class_name="muted"),
        waiting_button(
            T["reconfirm.yes"],
            class_name="primary big",
            id="confirm-cameras",
            on_click=R.confirm,
        ),
        _manage_link(),
        rx.el.p(R.retention_text, class_name="hint"),
    )


def _done() -> rx.Component:
    return rx.el.div(
        rx.el.p(
            rx.cond(R.still_held_back, T["reconfirm.done_paused"], T["reconfirm.done"]),
            role="status",
            class_name="notice done",
            data_testid="reconfirmed",
        ),
        _manage_link(),
    )


def _invalid() -> rx.Component:
    return rx.el.div(
        rx.el.p(
            T["owner.link_invalid"], role="alert", class_name="notice", data_testid="link-problem"
        ),
        rx.el.a(T["my.sign_in"], href=routes.MY_SIGN_IN, class_name="button primary"),
    )


def reconfirm_page() -> rx.Component:
    """What the yearly SMS link opens."""
    return page_frame(
        rx.el.h1(T["reconfirm.title"]),
        rx.cond(
            R.page_ready,
            rx.cond(R.confirmed, _done(), rx.cond(R.link_ok, _cameras(), _invalid())),
            rx.el.p(T["app.loading"], class_name="muted"),
        ),
        on_switch=R.switch_language,
    )

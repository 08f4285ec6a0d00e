"""The request page's live-view offer, after the owner approved (nothing without a bridge)."""

from __future__ import annotations

import reflex as rx

from camshare.components.connection import waiting_button
from camshare.components.fields import field_error
from camshare.state.base import AppState
from camshare.state.owner_live import OwnerLiveState as L

T = AppState.t


def _camera(camera) -> rx.Component:
    box_id = "live-camera-" + camera["id"]
    return rx.el.li(
        rx.el.input(
            type="checkbox",
            id=box_id,
            checked=L.chosen.contains(camera["id"]),
            disabled=camera["ready"] == "",
            on_change=lambda checked: L.toggle_camera(camera["id"], checked),
        ),
        rx.el.label(camera["name"], html_for=box_id),
        rx.cond(camera["ready"] == "", rx.el.span(" — ", camera["status"], class_name="muted")),
    )


def _share(share) -> rx.Component:
    return rx.el.li(share["name"], " · ", T["live.offer.until"], " ", share["until"])


def _running() -> rx.Component:
    return rx.el.div(
        rx.el.p(T["live.offer.running"], class_name="answer-choice"),
        rx.el.ul(
            rx.foreach(
                L.running,
                lambda share: rx.el.li(
                    share["name"], " · ", T["live.offer.until"], " ", share["until"]
                ),
            ),
            data_testid="live-running",
        ),
        waiting_button(
            T["live.offer.stop"], class_name="primary big", id="live-stop", on_click=L.stop
        ),
        role="status",
    )


def _choose() -> rx.Component:
    return rx.el.div(
        rx.el.p(T["live.offer.who"]),
        rx.el.p(T["live.offer.not_recorded"], class_name="hint"),
        rx.el.fieldset(
            rx.el.legend(T["live.offer.cameras"]),
            rx.el.ul(rx.foreach(L.cameras, _camera), class_name="plain-list"),
            field_error(L, "cameras", "live-camera"),
        ),
        rx.el.div(
            rx.el.label(T["live.offer.length"], html_for="f-live-minutes"),
            rx.el.select(
                rx.foreach(L.lengths, lambda c: rx.el.option(c["label"], value=c["value"])),
                id="f-live-minutes",
                value=L.minutes,
                on_change=L.set_minutes,
            ),
            field_error(L, "minutes", "f-live-minutes"),
            class_name="field",
        ),
        waiting_button(
            T["live.offer.allow"], class_name="secondary", id="live-allow", on_click=L.allow
        ),
    )


def live_offer() -> rx.Component:
    """ "Also allow live view", or "Stop sharing now" while a share runs."""
    return rx.el.section(
        rx.cond(
            L.cameras.length() > 0,
            rx.fragment(
                rx.el.h2(T["live.offer.title"]),
                rx.cond(L.notice_text != "", rx.el.p(L.notice_text, role="alert")),
                rx.cond(L.just_stopped, rx.el.p(T["live.offer.stopped"], role="status")),
                rx.cond(L.running.length() > 0, _running(), _choose()),
            ),
        ),
        on_mount=L.load,
        class_name="live-offer",
        id="live-offer",
    )

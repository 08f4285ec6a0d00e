"""/my's live-view section: add a bridge, the bridges and cameras, every share, consent."""

from __future__ import annotations

import reflex as rx

from camshare.components.confirm import confirm_in_place
from camshare.components.fields import field_error
from camshare.state.base import AppState
from camshare.state.my_live import MyLiveState as M

T = AppState.t


def _bridge(bridge) -> rx.Component:
    return rx.el.li(
        rx.el.strong(bridge["name"]),
        rx.el.span(" · ", T["live.my.last_seen"], " ", bridge["seen"], class_name="muted"),
        confirm_in_place(
            M.revoke_target == bridge["id"],
            "live.my.revoke_confirm",
            "live.my.revoke_yes",
            M.revoke(bridge["id"]),
            M.keep_device,
            "live.my.revoke",
            M.ask_revoke(bridge["id"]),
        ),
        data_testid="my-live-bridge",
    )


def _camera(camera) -> rx.Component:
    return rx.el.li(
        camera["name"],
        " · ",
        rx.el.span(camera["status_text"], class_name="state", data_state=camera["status"]),
        data_testid="my-live-camera",
    )


def _share(share) -> rx.Component:
    return rx.el.li(
        rx.el.strong(share["camera"]),
        rx.el.span(" · ", share["case"], " · ", share["incident"], class_name="muted"),
        rx.el.p(share["from"], " → ", share["to"], " · ", share["state"]),
        rx.el.p(share["watched"], data_testid="my-live-watched"),
        data_testid="my-live-share",
    )


def _pairing() -> rx.Component:
    return rx.el.div(
        rx.el.button(
            T["live.my.add_device"],
            type="button",
            class_name="secondary",
            on_click=M.add_device,
            id="live-add-device",
        ),
        rx.cond(
            M.pairing_code != "",
            rx.el.div(
                rx.el.p(T["live.my.code_lead"], " ", rx.el.strong(M.pairing_until)),
                rx.el.p(rx.el.code(M.pairing_code, data_testid="pairing-code"), class_name="big"),
                rx.el.p(T["live.my.code_how"], class_name="hint"),
                role="status",
            ),
        ),
    )


def _standing() -> rx.Component:
    return rx.el.div(
        rx.el.h3(T["live.my.standing_title"]),
        rx.el.p(T["live.my.standing_what"], class_name="hint"),
        rx.cond(
            M.standing_radius != "",
            rx.fragment(
                rx.el.p(T["live.my.standing_on"], " ", M.standing_radius, " m"),
                rx.el.button(
                    T["live.my.standing_off"],
                    type="button",
                    class_name="secondary",
                    on_click=M.withdraw_standing,
                ),
            ),
            rx.fragment(
                rx.el.p(T["live.my.standing_is_off"]),
                rx.el.div(
                    rx.el.label(T["live.my.standing_radius"], html_for="f-standing-radius"),
                    rx.el.select(
                        rx.foreach(M.radii, lambda r: rx.el.option(r + " m", value=r)),
                        id="f-standing-radius",
                        value=M.radius_choice,
                        on_change=M.set_radius_choice,
                    ),
                    field_error(M, "radius", "f-standing-radius"),
                    class_name="field",
                ),
                rx.el.button(
                    T["live.my.standing_give"],
                    type="button",
                    class_name="secondary",
                    on_click=M.give_standing,
                ),
            ),
        ),
    )


def my_live_section() -> rx.Component:
    """The owner's live view: devices, shares (with who watched), stop, standing consent."""
    return rx.el.section(
        rx.el.h2(T["live.my.title"]),
        rx.el.p(T["live.my.lead"], class_name="muted"),
        rx.cond(
            M.any_running,
            rx.el.button(
                T["live.offer.stop"], type="button", class_name="primary", on_click=M.stop_all
            ),
        ),
        rx.cond(
            M.live_shares.length() > 0,
            rx.el.ul(rx.foreach(M.live_shares, _share), class_name="my-live-shares"),
        ),
        rx.cond(M.bridges.length() > 0, rx.el.ul(rx.foreach(M.bridges, _bridge))),
        rx.cond(M.bridge_cameras.length() > 0, rx.el.ul(rx.foreach(M.bridge_cameras, _camera))),
        _pairing(),
        _standing(),
        on_mount=M.load,
        data_testid="my-live",
    )

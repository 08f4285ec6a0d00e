"""The footage panel on a request's board: each file owners sent, live, with what police do.

Its data comes from ``RequestFootageState`` (its own state and its own tick), so the board
page needs one line: ``footage_panel()``.
"""

from __future__ import annotations

import reflex as rx

from camshare import routes
from camshare.components.fields import field_error
from camshare.components.footage_uploader import footage_uploader
from camshare.components.ticker import ticker
from camshare.state.base import AppState
from camshare.state.request_footage import RequestFootageState as F

T = AppState.t
TICK_MS = 2000


def _file(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.cond(
            row["thumbnail"] != "",
            rx.el.img(
                src=row["thumbnail"],
                alt=T["custody.thumbnail_alt"],
                width="160",
                height="90",
                class_name="footage-thumb",
                data_testid="footage-thumbnail",
            ),
        ),
        rx.el.div(
            rx.el.strong(row["name"], data_testid="footage-name"),
            rx.el.span(
                row["status_label"],
                class_name="state",
                data_state=row["status"],
                data_testid="footage-status",
            ),
            rx.el.p(
                row["size"],
                rx.cond(row["duration"] != "", rx.fragment(" · ", row["duration"])),
                " · ",
                row["received"],
                class_name="muted",
            ),
            rx.cond(row["caption"] != "", rx.el.p(row["caption"])),
            rx.cond(
                row["preview_pending"] != "",
                rx.el.p(
                    T["custody.preview_pending"], class_name="muted", data_testid="preview-pending"
                ),
            ),
            rx.cond(
                row["needs_player"] != "",
                rx.el.p(T["custody.needs_player"], class_name="muted", data_testid="needs-player"),
            ),
            rx.cond(row["on_behalf"] != "", rx.el.p(T["custody.on_behalf"], class_name="muted")),
            rx.el.p(
                "SHA-256 ",
                rx.el.code(row["sha256"], data_testid="footage-sha256"),
                class_name="muted hash",
            ),
            rx.cond(row["hold"] != "", rx.el.p(T["custody.held"], " ", row["hold"])),
            rx.cond(
                row["delete_after"] != "",
                rx.el.p(T["custody.deleted_after"], " ", row["delete_after"], class_name="muted"),
            ),
            _actions(row),
            class_name="footage-body",
        ),
        class_name="footage-file",
        data_testid="footage-file",
        data_status=row["status"],
    )


def _button(label_key: str, on_click, test_id: str) -> rx.Component:
    return rx.el.button(
        T[label_key],
        type="button",
        class_name="secondary small",
        on_click=on_click,
        data_testid=test_id,
    )


def _actions(row: rx.Var) -> rx.Component:
    live = row["status"] != "deleted"
    return rx.cond(
        live,
        rx.el.div(
            rx.cond(row["playable"] != "", _button("custody.play", F.play(row["id"]), "play")),
            rx.cond(
                F.may["download"], _button("custody.download", F.download(row["id"]), "download")
            ),
            rx.cond(
                F.may["triage"] & (row["status"] != "accepted"),
                _button("custody.accept", F.accept(row["id"]), "accept"),
            ),
            rx.cond(
                F.may["triage"] & (row["status"] != "declined") & (row["hold"] == ""),
                _button("custody.decline", F.decline(row["id"]), "decline"),
            ),
            rx.cond(
                F.may["hold"] & (row["status"] == "accepted"),
                rx.cond(
                    row["hold"] == "",
                    _button("custody.hold", F.hold(row["id"]), "hold"),
                    _button("custody.release", F.release(row["id"]), "release"),
                ),
            ),
            class_name="actions",
        ),
    )


def _player() -> rx.Component:
    return rx.cond(
        F.player_src != "",
        rx.el.video(
            src=F.player_src,
            controls=True,
            preload="metadata",
            plays_inline=True,
            class_name="footage-player",
            data_testid="footage-player",
            key=F.player_src,
        ),
    )


def _hold_field() -> rx.Component:
    return rx.cond(
        F.may["hold"],
        rx.el.div(
            rx.el.label(T["custody.hold_reason"], html_for="f-hold_reason"),
            rx.el.input(
                id="f-hold_reason",
                type="text",
                max_length=500,
                on_blur=lambda value: F.remember("hold_reason", value),
            ),
            field_error(F, "hold_reason", "f-hold_reason"),
            class_name="field",
        ),
    )


def _grants() -> rx.Component:
    return rx.cond(
        F.may["grant"],
        rx.el.details(
            rx.el.summary(T["custody.grants"], on_click=F.show_grants),
            rx.el.ul(
                rx.foreach(
                    F.grants,
                    lambda g: rx.el.li(
                        g["name"],
                        " (",
                        g["username"],
                        ") · ",
                        g["label"],
                        " ",
                        _button("custody.grant_remove", F.remove_grant(g["username"]), "revoke"),
                    ),
                )
            ),
            rx.el.div(
                rx.el.label(T["custody.grant_username"], html_for="f-grant_username"),
                rx.el.input(
                    id="f-grant_username",
                    type="text",
                    max_length=64,
                    on_blur=lambda value: F.remember("grant_username", value),
                    auto_complete="off",
                ),
                field_error(F, "grant_username", "f-grant_username"),
                class_name="field",
            ),
            rx.el.select(
                rx.el.option(T["custody.grant.default"], value=""),
                rx.el.option(T["custody.grant.view"], value="view"),
                rx.el.option(T["custody.grant.download"], value="download"),
                on_change=lambda value: F.remember("grant_level", value),
                aria_label=T["custody.grant_level"],
            ),
            _button("custody.grant_add", F.add_grant, "grant-add"),
        ),
    )


def _pickup() -> rx.Component:
    """An officer sends an owner's export for them (collected on a USB stick, say)."""
    return rx.cond(
        F.may["upload"] & (F.pickup_choices.length() > 0),
        rx.el.details(
            rx.el.summary(T["custody.pickup"]),
            rx.el.p(T["custody.pickup_lead"], class_name="muted"),
            rx.el.select(
                rx.el.option(T["custody.pickup_choose"], value=""),
                rx.foreach(
                    F.pickup_choices,
                    lambda c: rx.el.option(c["distance"], " m", value=c["id"]),
                ),
                on_change=lambda value: F.remember("pickup_recipient", value),
                aria_label=T["custody.pickup_choose"],
                data_testid="pickup-owner",
            ),
            rx.cond(
                F.pickup_target != "",
                footage_uploader(
                    endpoint=routes.FOOTAGE_TUS,
                    max_bytes=F.max_bytes,
                    pickup=F.pickup_target,
                    on_done=lambda _upload_id: F.tick(),
                    key=F.pickup_target,
                ),
            ),
            data_testid="pickup",
        ),
    )


def footage_panel() -> rx.Component:
    """The board's footage section (nothing for a member who may not see footage).

    Messages show in the page's notice: ``StaffState`` holds them for the whole page.
    """
    return rx.el.section(
        ticker(every=TICK_MS, on_tick=F.tick),
        rx.cond(
            F.may.length() > 0,
            rx.fragment(
                rx.el.h2(T["custody.title"]),
                _player(),
                rx.cond(
                    F.files.length() > 0,
                    rx.el.ul(
                        rx.foreach(F.files, _file), class_name="footage-list", aria_live="polite"
                    ),
                    rx.el.p(T["custody.none_yet"], class_name="muted"),
                ),
                _hold_field(),
                rx.cond(F.may["export"], _button("custody.export", F.export, "export")),
                _grants(),
                _pickup(),
            ),
        ),
        on_mount=F.load,
        class_name="footage-panel",
        data_testid="footage-panel",
    )

"""The owner's own pages: /my/sign-in, /manage/<token> (the receipt's link) and /my."""

from __future__ import annotations

import reflex as rx

from camshare import routes
from camshare.components.connection import waiting_button
from camshare.components.download import download_link
from camshare.components.feedback import form_messages
from camshare.components.fields import field_error, labelled_input, select_field, text_field
from camshare.components.layout import page_frame
from camshare.components.my_footage import my_footage_section
from camshare.components.my_live import my_live_section
from camshare.components.table import data_table
from camshare.pages.my_locations import my_locations_section
from camshare.services.registration import (
    CAMERA_FACES,
    CAMERA_KINDS,
    DIRECTIONS,
    MAX_NAME,
    RECORDING_MODES,
)
from camshare.state.base import AppState
from camshare.state.owner import ManageLinkState as L
from camshare.state.owner import MyState as M
from camshare.state.owner import OwnerSignInState as S

T = AppState.t


def owner_sign_in_page() -> rx.Component:
    """Phone number, then the code."""
    return page_frame(
        rx.el.h1(T["my.sign_in_title"]),
        form_messages(S),
        rx.cond(
            S.step == "code",
            rx.el.form(
                rx.el.p(T["my.code_sent"]),
                labelled_input(
                    S,
                    "code",
                    "verify.code",
                    type="text",
                    input_mode="numeric",
                    auto_complete="one-time-code",
                    max_length=8,
                    required=True,
                ),
                rx.el.button(T["my.sign_in"], type="submit", class_name="primary"),
                rx.el.button(
                    T["my.other_number"],
                    type="button",
                    class_name="link-button",
                    on_click=S.other_number,
                ),
                on_submit=S.check_code,
                reset_on_submit=True,
                id="code-form",
            ),
            rx.el.form(
                rx.el.p(T["my.sign_in_lead"], class_name="lead"),
                labelled_input(
                    S,
                    "phone",
                    "contact.phone",
                    type="tel",
                    input_mode="tel",
                    auto_complete="tel",
                    max_length=40,
                    required=True,
                    default_value=S.phone,
                ),
                rx.el.button(T["my.send_code"], type="submit", class_name="primary"),
                on_submit=S.send_code,
                reset_on_submit=False,
                id="phone-form",
            ),
        ),
    )


def manage_link_page() -> rx.Component:
    """The receipt's link: one press to open the registration."""
    return page_frame(
        rx.el.h1(T["manage.title"]),
        rx.cond(
            L.page_ready,
            rx.cond(
                L.link_ok,
                rx.el.div(
                    rx.el.p(T["my.link_lead"], class_name="lead"),
                    rx.el.button(
                        T["my.open"],
                        type="button",
                        class_name="primary",
                        on_click=L.open,
                        id="open-registration",
                    ),
                ),
                rx.el.div(
                    rx.el.p(T["owner.link_invalid"], role="alert", class_name="notice"),
                    rx.el.a(T["my.sign_in"], href=routes.MY_SIGN_IN, class_name="button primary"),
                ),
            ),
            rx.el.p(T["app.loading"], class_name="muted"),
        ),
    )


def _camera_row(row: rx.Var, index: rx.Var) -> rx.Component:
    def error(field: str) -> rx.Var:
        key = "cameras." + index.to(str) + "." + field
        return rx.cond(M.messages.contains(key), M.messages[key], "")

    def choose(field: str, label_key: str, options: list[tuple[str, str]], placeholder=True):
        return select_field(
            T[label_key],
            "my-cam-" + field + "-" + index.to(str),
            options,
            row[field],
            lambda value: M.set_row(index, field, value),
            error(field),
            "cameras.choose" if placeholder else None,
        )

    return rx.el.fieldset(
        rx.el.legend(T["cameras.kind"], " ", (index + 1).to(str)),
        choose("camera_kind", "cameras.kind", [(k, f"cameras.kind.{k}") for k in CAMERA_KINDS]),
        rx.el.div(
            rx.el.label(T["cameras.count"], html_for="my-cam-count-" + index.to(str)),
            rx.el.input(
                id="my-cam-count-" + index.to(str),
                type="number",
                min=1,
                max=99,
                input_mode="numeric",
                default_value=row["count"],
                on_blur=lambda value: M.set_row(index, "count", value),
            ),
            rx.cond(error("count") != "", rx.el.p(error("count"), class_name="field-error")),
            class_name="field",
        ),
        choose("faces", "cameras.faces", [(f, f"cameras.faces.{f}") for f in CAMERA_FACES]),
        choose(
            "direction",
            "cameras.direction",
            [(d, f"cameras.direction.{d}" if d else "cameras.direction.none") for d in DIRECTIONS],
            placeholder=False,
        ),
        choose(
            "recording",
            "cameras.recording",
            [(r, f"cameras.recording.{r}") for r in RECORDING_MODES],
        ),
        rx.el.div(
            rx.el.label(T["cameras.retention"], html_for="my-cam-retention-" + index.to(str)),
            rx.el.input(
                id="my-cam-retention-" + index.to(str),
                type="number",
                min=0,
                max=365,
                input_mode="numeric",
                default_value=row["retention_days"],
                on_blur=lambda value: M.set_row(index, "retention_days", value),
            ),
            rx.cond(
                error("retention_days") != "",
                rx.el.p(error("retention_days"), class_name="field-error"),
            ),
            class_name="field",
        ),
        rx.el.button(
            T["my.remove_camera"],
            type="button",
            class_name="link-button",
            on_click=M.remove_row(index),
        ),
        class_name="camera-group",
    )


def _camera_editor() -> rx.Component:
    return rx.el.div(
        rx.foreach(M.edit_rows, _camera_row),
        rx.cond(
            M.messages.contains("cameras"), rx.el.p(M.messages["cameras"], class_name="field-error")
        ),
        rx.el.button(T["my.add_camera"], type="button", class_name="secondary", on_click=M.add_row),
        rx.el.button(
            T["my.save_cameras"],
            type="button",
            class_name="primary",
            on_click=M.save_cameras,
            id="save-cameras",
        ),
        rx.el.button(
            T["my.cancel"], type="button", class_name="link-button", on_click=M.cancel_edit
        ),
        class_name="camera-editor",
    )


def _site(site: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.el.p(site["address"], " · ", site["zip"], class_name="site-address"),
        rx.el.p(site["cameras"], class_name="muted", data_testid="site-cameras"),
        rx.cond(
            M.editing_site == site["id"],
            _camera_editor(),
            rx.el.button(
                T["my.edit_cameras"],
                type="button",
                class_name="secondary small",
                on_click=M.edit_cameras(site["id"]),
            ),
        ),
    )


def _details_form() -> rx.Component:
    return rx.el.section(
        rx.el.h2(T["my.details"]),
        rx.el.p(T["contact.phone"], ": ", rx.el.strong(M.details["phone"])),
        rx.el.div(
            text_field(
                M, "full_name", "contact.full_name", autocomplete="name", max_length=MAX_NAME
            ),
            text_field(M, "email", "contact.email", type_="email", autocomplete="email"),
            rx.el.div(
                rx.el.label(T["my.language"], html_for="f-language"),
                rx.el.select(
                    rx.el.option("English", value="en"),
                    rx.el.option("Español", value="es"),
                    id="f-language",
                    value=M.typed["language"].to(str),
                    on_change=lambda v: M.remember("language", v),
                ),
                field_error(M, "language", "f-language"),
                class_name="field",
            ),
            key=M.form_version.to(str),
        ),
        waiting_button(T["my.save"], class_name="secondary", on_click=M.save_details),
    )


def _sharing() -> rx.Component:
    return rx.el.section(
        rx.el.h2(T["my.sharing"]),
        rx.el.p(M.details["status_text"], data_testid="sharing-status", class_name="lead"),
        rx.cond(
            M.details["paused_until"] != "", rx.el.p(T["my.until"], " ", M.details["paused_until"])
        ),
        rx.cond(
            M.details["status"] == "paused",
            waiting_button(T["my.resume"], class_name="primary", on_click=M.resume, id="resume"),
            rx.el.div(
                text_field(
                    M,
                    "until",
                    "my.pause_until",
                    type_="date",
                    hint_key="my.pause_until_hint",
                    on_change=lambda v: M.remember("until", v),
                ),
                waiting_button(
                    T["my.pause"],
                    class_name="secondary",
                    on_click=M.pause,
                    id="pause",
                ),
            ),
        ),
    )


def _withdraw() -> rx.Component:
    return rx.el.section(
        rx.el.h2(T["my.withdraw_title"]),
        rx.el.p(T["my.withdraw_lead"]),
        rx.el.label(
            rx.el.input(
                type="checkbox",
                id="f-confirm_withdraw",
                default_checked=False,
                on_change=M.set_confirm_withdraw,
            ),
            rx.el.span(T["my.withdraw_confirm"]),
            class_name="choice",
        ),
        field_error(M, "confirm_withdraw", "f-confirm_withdraw"),
        waiting_button(
            T["my.withdraw"],
            class_name="secondary danger",
            on_click=M.withdraw,
            id="withdraw",
        ),
    )


def my_page() -> rx.Component:
    """The owner's registration and everything they can do with it."""
    return page_frame(
        rx.el.h1(T["my.title"]),
        form_messages(M),
        rx.cond(
            M.withdrawn,
            rx.el.p(
                T["my.withdrawn"], role="status", class_name="notice done", data_testid="withdrawn"
            ),
            rx.cond(
                M.page_ready,
                rx.el.div(
                    _sharing(),
                    rx.el.section(
                        rx.el.h2(T["my.locations"]),
                        rx.el.ul(rx.foreach(M.sites, _site), class_name="sites"),
                        my_locations_section(),
                    ),
                    _details_form(),
                    rx.el.section(
                        rx.el.h2(T["my.requests"]),
                        rx.cond(
                            M.requests.length() > 0,
                            data_table(
                                ["my.request", "my.sent", "my.your_answer", "my.viewed_by"],
                                M.requests,
                                lambda r: rx.el.tr(
                                    rx.el.td(r["incident"]),
                                    rx.el.td(r["sent"]),
                                    rx.el.td(r["answer"], " ", r["answered"]),
                                    rx.el.td(r["viewed"]),
                                ),
                            ),
                            rx.el.p(T["my.no_requests"], class_name="muted"),
                        ),
                    ),
                    my_footage_section(),
                    my_live_section(),
                    rx.el.section(
                        rx.el.h2(T["my.agreements"]),
                        rx.el.ul(
                            rx.foreach(
                                M.consents,
                                lambda c: rx.el.li(
                                    T["my.accepted_version"],
                                    " ",
                                    c["version"],
                                    " · ",
                                    c["accepted"],
                                ),
                            )
                        ),
                    ),
                    rx.el.section(
                        rx.el.h2(T["my.data"]),
                        rx.el.p(T["my.data_lead"]),
                        rx.el.p(
                            download_link(T["my.download"], routes.MY_DATA), class_name="downloads"
                        ),
                    ),
                    _withdraw(),
                    rx.el.button(
                        T["my.sign_out"],
                        type="button",
                        class_name="link-button",
                        on_click=M.sign_out,
                    ),
                ),
                rx.el.p(T["app.loading"], class_name="muted"),
            ),
        ),
    )

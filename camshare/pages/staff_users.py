"""Admin page: staff accounts, their state and actions, and the new-account form."""

from __future__ import annotations

import reflex as rx

from camshare.components.fields import field_error, labelled_input, text_field
from camshare.components.staff_frame import staff_frame, staff_notice
from camshare.components.table import data_table
from camshare.state.base import AppState
from camshare.state.staff_users import StaffUsersState as U

T = AppState.t


def _flag(on: rx.Var, key: str, tone: str = "") -> rx.Component:
    return rx.cond(on != "", rx.el.span(T[key], class_name=f"badge {tone}".strip()))


def _row_button(label_key: str, handler, row: rx.Var, name: str) -> rx.Component:
    return rx.el.button(
        T[label_key],
        type="button",
        class_name="secondary small",
        on_click=handler(row["id"]),
        data_action=name,
    )


def _user_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.strong(row["username"]), rx.el.br(), row["display_name"]),
        rx.el.td(row["role"]),
        rx.el.td(
            _flag(row["disabled"], "users.disabled", "urgent"),
            _flag(row["locked"], "users.locked", "urgent"),
            rx.cond(
                row["totp"] != "",
                rx.el.span(T["users.totp_on"], class_name="muted"),
                rx.el.span(T["users.totp_off"], class_name="muted"),
            ),
        ),
        rx.el.td(row["last_login"]),
        rx.el.td(
            rx.cond(
                row["disabled"] != "",
                _row_button("users.enable", U.enable, row, "enable"),
                _row_button("users.disable", U.disable, row, "disable"),
            ),
            rx.cond(row["locked"] != "", _row_button("users.unlock", U.unlock, row, "unlock")),
            rx.cond(
                row["totp"] != "", _row_button("users.reset_totp", U.reset_totp, row, "reset-totp")
            ),
            class_name="row-actions",
        ),
        data_username=row["username"],
    )


def _role_select() -> rx.Component:
    return rx.el.div(
        rx.el.label(T["users.role"], html_for="f-role"),
        rx.el.select(
            rx.el.option(T["users.choose_role"], value=""),
            rx.foreach(U.role_options, lambda o: rx.el.option(o["label"], value=o["value"])),
            id="f-role",
            name="role",
            default_value=U.typed["role"].to(str),
            on_change=U.choose_role,
            aria_invalid=rx.cond(U.messages.contains("role"), "true", "false"),
            aria_describedby=rx.cond(U.messages.contains("role"), "f-role-error", ""),
        ),
        field_error(U, "role", "f-role"),
        class_name="field",
    )


def _create_form() -> rx.Component:
    return rx.el.section(
        rx.el.h2(T["users.create_title"], id="create-title"),
        rx.el.form(
            text_field(
                U,
                "username",
                "users.username",
                required=True,
                max_length=64,
                autocomplete="off",
                hint_key="users.username_hint",
            ),
            text_field(
                U,
                "display_name",
                "users.display_name",
                required=True,
                max_length=200,
                autocomplete="off",
            ),
            _role_select(),
            text_field(
                U,
                "phone_e164",
                "users.phone",
                type_="tel",
                input_mode="tel",
                autocomplete="off",
                hint_key="users.phone_hint",
                max_length=32,
            ),
            # Not kept in state (no default, no on_blur): it reaches the server only in
            # the submitted form.
            labelled_input(
                U,
                "password",
                "users.password",
                hint_key="users.password_hint",
                type="password",
                required=True,
                auto_complete="new-password",
                max_length=256,
            ),
            rx.el.button(T["users.create"], type="submit", class_name="primary", id="create-user"),
            on_submit=U.create,
            key=U.form_version.to(str),
            no_validate=True,
        ),
        aria_labelledby="create-title",
    )


def staff_users_page() -> rx.Component:
    """Every staff account with its actions, then the form for a new one."""
    return staff_frame(
        staff_notice(U),
        data_table(
            ["users.account", "users.role", "users.status", "users.last_login", "users.actions"],
            U.rows,
            _user_row,
        ),
        _create_form(),
        title_key="users.title",
        state=U,
    )

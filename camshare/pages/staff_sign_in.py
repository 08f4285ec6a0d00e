"""Staff sign-in at /staff/sign-in: password, then the authenticator's code."""

from __future__ import annotations

import reflex as rx

from camshare.components.fields import labelled_input
from camshare.components.staff_frame import staff_frame, staff_notice
from camshare.state.base import AppState
from camshare.state.staff_sign_in import SignInState as S

T = AppState.t


def _input(name: str, label_key: str, **props) -> rx.Component:
    # Nothing here is kept in the state as typed: passwords and codes stay in the form.
    return labelled_input(S, name, label_key, **props)


def password_form() -> rx.Component:
    """Username and password."""
    return rx.el.form(
        _input(
            "username",
            "signin.username",
            type="text",
            auto_complete="username",
            required=True,
            max_length=64,
            default_value=S.typed_username,
            auto_capitalize="none",
            spell_check=False,
        ),
        _input(
            "password",
            "signin.password",
            type="password",
            auto_complete="current-password",
            required=True,
            max_length=256,
        ),
        rx.el.button(T["signin.submit"], type="submit", class_name="primary"),
        on_submit=S.submit_password,
        reset_on_submit=False,
        id="password-form",
    )


def code_form() -> rx.Component:
    """The six-digit code from the authenticator app."""
    return rx.el.form(
        _input(
            "code",
            "signin.code",
            type="text",
            input_mode="numeric",
            auto_complete="one-time-code",
            pattern="[0-9 ]*",
            max_length=8,
            required=True,
        ),
        rx.el.button(T["signin.verify"], type="submit", class_name="primary"),
        on_submit=S.submit_code,
        reset_on_submit=True,
        id="code-form",
    )


def enrolment() -> rx.Component:
    """Setting up the authenticator: a QR code, the secret to type by hand, then a code."""
    return rx.el.div(
        rx.el.p(T["signin.enrol_lead"]),
        rx.el.img(
            src=S.enrol_qr,
            alt=T["signin.enrol_qr_alt"],
            width="220",
            height="220",
            class_name="totp-qr",
        ),
        rx.el.p(
            T["signin.enrol_secret"], " ", rx.el.code(S.enrol_secret, data_testid="totp-secret")
        ),
        code_form(),
    )


def staff_sign_in_page() -> rx.Component:
    """The sign-in page."""
    return staff_frame(
        staff_notice(S),
        rx.match(
            S.step,
            ("totp", rx.fragment(rx.el.p(T["signin.code_lead"]), code_form())),
            ("enrol", enrolment()),
            password_form(),
        ),
        rx.cond(
            S.step != "password",
            rx.el.button(
                T["signin.start_again"],
                type="button",
                class_name="link-button",
                on_click=S.start_again,
            ),
        ),
        state=S,
        title_key="signin.title",
    )

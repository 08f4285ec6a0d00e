"""The frame of every staff page: who is signed in, the sections their role opens, sign-out."""

from __future__ import annotations

import reflex as rx

from camshare import routes
from camshare.components.document_language import document_language
from camshare.components.feedback import form_messages
from camshare.components.layout import language_switch
from camshare.runtime import settings
from camshare.state.base import AppState
from camshare.state.staff import StaffState

T = AppState.t


def staff_notice(state) -> rx.Component:
    """The message above a staff form (see components.feedback)."""
    return form_messages(state)


def _nav_link(label_key: str, href: str) -> rx.Component:
    return rx.el.a(T[label_key], href=href, class_name="staff-link")


def staff_brand_name(language: str) -> str:
    """The staff pages' name in ``language``: "Dallas PD · camshare"."""
    return settings().agency_short(language) + " · camshare"


def staff_brand() -> rx.Var:
    """The staff pages' name, in the page's language."""
    return rx.cond(AppState.lang == "es", staff_brand_name("es"), staff_brand_name("en"))


def staff_frame(*children: rx.Component, title_key: str, state) -> rx.Component:
    """A staff page: header, navigation, then the page once ``state`` has loaded it."""
    nav = rx.el.nav(
        rx.cond(
            StaffState.can["request.view"], _nav_link("staff.nav_requests", routes.STAFF_REQUESTS)
        ),
        rx.cond(
            StaffState.can["request.create"],
            _nav_link("staff.nav_new_request", routes.STAFF_NEW_REQUEST),
        ),
        rx.cond(
            StaffState.can["campaign.manage"],
            _nav_link("staff.nav_campaigns", routes.STAFF_CAMPAIGNS),
        ),
        rx.cond(
            StaffState.can["dashboard.view"],
            _nav_link("staff.nav_dashboard", routes.STAFF_DASHBOARD),
        ),
        rx.cond(
            StaffState.can["footage.view"],
            _nav_link("staff.nav_shared", routes.STAFF_FOOTAGE_SHARED),
        ),
        rx.cond(StaffState.can["staff.manage"], _nav_link("staff.nav_users", routes.STAFF_USERS)),
        rx.cond(StaffState.can["audit.view"], _nav_link("staff.nav_audit", routes.STAFF_AUDIT)),
        rx.cond(
            StaffState.can["agreement.publish"],
            _nav_link("staff.nav_agreements", routes.STAFF_AGREEMENTS),
        ),
        # Who is signed in and "Sign out" stay together on one line, at the end of the
        # navigation, however the links above them wrap on a phone.
        rx.el.div(
            rx.el.span(StaffState.staff_name, class_name="staff-who", data_testid="staff-who"),
            rx.el.button(
                T["staff.sign_out"],
                type="button",
                class_name="link-button",
                on_click=StaffState.sign_out,
            ),
            class_name="staff-account",
        ),
        class_name="staff-nav",
        aria_label=T["staff.nav_label"],
    )
    return rx.el.div(
        document_language(AppState.lang),
        rx.el.a(T["app.skip_to_content"], href="#main", class_name="skip-link"),
        rx.el.header(
            rx.el.a(
                rx.el.img(src=settings().logo_url, alt="", width="32", height="32"),
                rx.el.span(staff_brand()),
                href=routes.STAFF_HOME,
                class_name="brand",
            ),
            language_switch(StaffState.switch_language),
            class_name="site-header",
        ),
        rx.cond(StaffState.staff_name != "", nav),
        rx.el.main(
            rx.el.h1(T[title_key]),
            rx.cond(
                StaffState.forbidden,
                rx.el.p(T["staff.forbidden"], role="alert", class_name="notice"),
                rx.cond(
                    state.page_ready,
                    rx.fragment(*children),
                    rx.el.p(T["app.loading"], class_name="muted"),
                ),
            ),
            id="main",
            class_name="content wide",
        ),
        class_name="page staff",
        lang=AppState.lang,
    )

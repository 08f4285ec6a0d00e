"""The page frame: header with the language switch, main column, footer."""

from __future__ import annotations

import reflex as rx

from camshare import routes
from camshare.components.document_language import document_language
from camshare.runtime import settings
from camshare.state.base import AppState


def language_switch(on_switch=None) -> rx.Component:
    """English/Español buttons; ``on_switch`` is the handler taking the language code."""
    handler = on_switch or AppState.switch_language

    def button(code: str, label: str) -> rx.Component:
        return rx.el.button(
            label,
            type="button",
            lang=code,
            class_name="lang-button",
            aria_pressed=rx.cond(AppState.lang == code, "true", "false"),
            on_click=handler(code),
        )

    return rx.el.nav(
        button("en", "English"),
        button("es", "Español"),
        class_name="lang-switch",
        aria_label=AppState.t["lang.switch_label"],
    )


def page_frame(*children: rx.Component, on_switch=None) -> rx.Component:
    """Header, main content and footer of every public page."""
    program = rx.cond(AppState.lang == "es", settings().program_name_es, settings().program_name)
    # The language sits on the page's outermost element and, once the page runs, on <html>
    # (fixed at build time otherwise), so screen readers read it all in the right voice.
    return rx.el.div(
        document_language(AppState.lang),
        rx.el.a(AppState.t["app.skip_to_content"], href="#main", class_name="skip-link"),
        rx.el.header(
            rx.el.a(
                rx.el.img(src=settings().logo_url, alt="", width="32", height="32"),
                rx.el.span(program),
                href="/",
                class_name="brand",
            ),
            language_switch(on_switch),
            class_name="site-header",
        ),
        rx.el.main(*children, id="main", class_name="content"),
        rx.el.footer(
            rx.el.p(AppState.t["app.footer"]),
            rx.el.nav(
                # An owner who installed the app finds their registration again from here.
                rx.el.a(AppState.t["app.manage_link"], href=routes.MY_SIGN_IN),
                rx.el.a(AppState.t["app.transparency_link"], href=routes.TRANSPARENCY),
                rx.el.a(AppState.t["app.staff_link"], href=routes.STAFF_SIGN_IN),
                class_name="footer-links",
                aria_label=AppState.t["app.footer_links"],
            ),
            class_name="site-footer",
        ),
        class_name="page",
        lang=AppState.lang,
    )

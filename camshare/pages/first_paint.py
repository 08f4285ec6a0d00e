"""What a dynamic route (/r/<token>, /manage/<token>) shows before the app's code runs.

The server cannot prerender a route with a parameter, so React Router sends one shared
page and shows its hydrate fallback until the JavaScript arrives. Without one a resident
on a slow connection stares at a white screen; with this, the program's name and purpose
paint at once. Plain text only: no state exists yet, and no language is known.
"""

from __future__ import annotations

import reflex as rx

from camshare.i18n import catalog
from camshare.runtime import settings


def first_paint() -> rx.Component:
    """The page frame with the program's title and lead, and a loading note."""
    en, es = catalog("en"), catalog("es")
    return rx.el.div(
        rx.el.header(
            rx.el.span(
                rx.el.img(src=settings().logo_url, alt="", width="32", height="32"),
                rx.el.span(settings().program_name),
                class_name="brand",
            ),
            class_name="site-header",
        ),
        rx.el.main(
            rx.el.h1(en["home.title"]),
            rx.el.p(en["home.lead"], class_name="lead"),
            rx.el.p(
                f"{en['app.loading']} / {es['app.loading']}", class_name="muted", role="status"
            ),
            class_name="content",
        ),
        class_name="page",
    )

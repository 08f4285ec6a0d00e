"""One page, one heading, one paragraph, plain HTML elements: what Reflex costs by itself."""

import reflex as rx


def index() -> rx.Component:
    """The page: a heading and a paragraph."""
    return rx.fragment(
        rx.el.h1("Bare Reflex page"),
        rx.el.p("One heading and one paragraph, built and served like camshare."),
    )


app = rx.App()
app.add_page(index, route="/", title="Bare Reflex page")

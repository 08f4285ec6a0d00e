"""A link that downloads a file from the server (a QR code, a flyer, a CSV)."""

from __future__ import annotations

import reflex as rx


def download_link(label, href, **props) -> rx.Component:
    """An <a download> the browser follows itself.

    Reflex renders links as React Router links, which would look the URL up among the
    app's pages instead of fetching the file; ``reloadDocument`` hands it to the browser.
    """
    return rx.el.a(
        label,
        href=href,
        download=True,
        class_name="button secondary small",
        custom_attrs={"reloadDocument": True},
        **props,
    )

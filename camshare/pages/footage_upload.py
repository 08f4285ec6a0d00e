"""The owner's upload page at /f/<token>: who sees the footage, for what, how long; the files."""

from __future__ import annotations

import reflex as rx

from camshare import routes
from camshare.components.footage_uploader import footage_uploader
from camshare.components.link_page import link_page
from camshare.components.text import text
from camshare.state.base import AppState
from camshare.state.footage_upload import FootageUploadState as F

T = AppState.t


def _promises() -> rx.Component:
    d = F.details
    return rx.el.section(
        rx.el.h2(T["footage.page.who_title"], id="footage-who"),
        rx.el.ul(
            rx.el.li(text(T, "footage.page.who", agency=d["agency"], case=d["case"])),
            rx.el.li(T["footage.page.what_for"]),
            rx.el.li(text(T, "footage.page.how_long", days=d["unaccepted_days"])),
            rx.el.li(T["footage.page.not_passed_on"]),
            rx.el.li(T["footage.page.see_later"]),
        ),
        class_name="footage-promises",
        aria_labelledby="footage-who",
    )


def _receipts() -> rx.Component:
    return rx.cond(
        F.receipts.length() > 0,
        rx.el.section(
            rx.el.h2(T["footage.page.receipts_title"]),
            rx.el.ul(
                rx.foreach(
                    F.receipts,
                    lambda r: rx.el.li(
                        rx.el.p(
                            rx.el.strong(r["name"]), " ", rx.el.span(r["size"], class_name="muted")
                        ),
                        rx.cond(
                            r["status"] == "refused",
                            rx.el.p(r["refusal"], class_name="notice"),
                            rx.el.dl(
                                rx.el.dt(T["footage.page.received_at"]),
                                rx.el.dd(r["received"]),
                                rx.el.dt(T["footage.page.sha256"]),
                                rx.el.dd(r["sha256"], class_name="hash"),
                            ),
                        ),
                        data_testid="footage-server-receipt",
                    ),
                ),
                class_name="footage-receipts",
            ),
        ),
    )


def _content() -> rx.Component:
    d = F.details
    return rx.el.div(
        rx.el.p(text(T, "footage.page.lead", until=d["until"]), class_name="lead"),
        _promises(),
        rx.el.p(
            text(T, "footage.page.limits", files=d["max_files"], size=d["max_size"]),
            class_name="hint",
        ),
        footage_uploader(
            endpoint=routes.FOOTAGE_TUS,
            max_bytes=d["max_bytes"],
            on_done=F.refresh_receipts,
        ),
        _receipts(),
    )


def footage_upload_page() -> rx.Component:
    """What the follow-up SMS link (and the button after approving) opens."""
    return link_page("footage.page.title", F, _content())

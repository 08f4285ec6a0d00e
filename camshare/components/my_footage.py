"""/my's footage section: each file the owner sent and what happened to it afterwards."""

from __future__ import annotations

import reflex as rx

from camshare.state.base import AppState
from camshare.state.my_footage import MyFootageState as F

T = AppState.t


def _file(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.el.strong(row["name"]),
        rx.el.span(" · ", row["size"], " · ", row["incident"], class_name="muted"),
        rx.el.p(rx.el.span(row["status_label"], class_name="state", data_state=row["status"])),
        rx.el.p(row["views"], data_testid="my-footage-views"),
        rx.el.p(row["downloads"]),
        rx.el.p(row["deletion"], data_testid="my-footage-deletion"),
        rx.el.p("SHA-256 ", rx.el.code(row["sha256"]), class_name="muted hash"),
        data_testid="my-footage-file",
        data_status=row["status"],
    )


def my_footage_section() -> rx.Component:
    """The section (only when the owner sent footage)."""
    return rx.el.section(
        rx.cond(
            F.my_files.length() > 0,
            rx.fragment(
                rx.el.h2(T["custody.my_title"]),
                rx.el.p(T["custody.my_lead"], class_name="muted"),
                rx.el.ul(rx.foreach(F.my_files, _file), class_name="my-footage"),
            ),
        ),
        on_mount=F.load,
        data_testid="my-footage",
    )

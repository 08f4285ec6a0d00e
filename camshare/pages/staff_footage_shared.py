"""'Footage shared with you': the requests whose footage the member was added to.

Each links to that request's footage page (which checks the grant again on the server).
"""

from __future__ import annotations

import reflex as rx

from camshare.components.staff_frame import staff_frame
from camshare.state.base import AppState
from camshare.state.footage_shared import SharedFootageState as S

T = AppState.t


def _entry(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.el.a(
            rx.el.strong(row["case_number"]),
            " · ",
            row["incident"],
            href=row["href"],
            data_testid="shared-request",
        ),
        rx.el.p(row["level"], " · ", row["files"], class_name="muted"),
        rx.el.p(
            row["status"],
            " · ",
            T["shared.granted_at"],
            " ",
            row["granted_at"],
            class_name="muted",
        ),
        class_name="request-item",
    )


def footage_shared_page() -> rx.Component:
    """The list, or a line saying nothing was shared yet."""
    return staff_frame(
        rx.el.p(T["shared.lead"], class_name="muted"),
        rx.cond(
            S.rows.length() > 0,
            rx.el.ul(rx.foreach(S.rows, _entry), class_name="request-list"),
            rx.el.p(T["shared.none"], class_name="muted", data_testid="shared-none"),
        ),
        state=S,
        title_key="shared.title",
    )

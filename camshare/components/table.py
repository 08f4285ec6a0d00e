"""A data table that scrolls sideways on a phone instead of squeezing its columns."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from camshare.state.base import AppState


def data_table(
    header_keys: list[str], rows: rx.Var, render_row: Callable[[rx.Var], rx.Component]
) -> rx.Component:
    """Column headings from the catalog keys, then one ``render_row`` per row."""
    return rx.el.div(
        rx.el.table(
            rx.el.thead(rx.el.tr(*[rx.el.th(AppState.t[key], scope="col") for key in header_keys])),
            rx.el.tbody(rx.foreach(rows, render_row)),
            class_name="data-table",
        ),
        class_name="table-scroll",
    )

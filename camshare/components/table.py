"""A data table that scrolls sideways on a phone instead of squeezing its columns."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from camshare.components.text import text
from camshare.state.base import AppState


def data_table(
    header_keys: list[str], rows: rx.Var, render_row: Callable[[rx.Var], rx.Component]
) -> rx.Component:
    """Column headings from the catalog keys, then one ``render_row`` per row.

    The scrolling box is a named region in the tab order, so a keyboard can scroll it too
    (axe: scrollable-region-focusable); its name lists the columns, which keeps the name
    of each table on a page its own.
    """
    t = AppState.t
    columns = t[header_keys[0]]
    for key in header_keys[1:]:
        columns = columns + ", " + t[key]
    return rx.el.div(
        rx.el.table(
            rx.el.thead(rx.el.tr(*[rx.el.th(t[key], scope="col") for key in header_keys])),
            rx.el.tbody(rx.foreach(rows, render_row)),
            class_name="data-table",
        ),
        class_name="table-scroll",
        role="region",
        tab_index=0,
        aria_label=text(t, "app.table_label", columns=columns),
    )

"""The board's live section: a tile per shared camera (nothing for one who may not watch)."""

from __future__ import annotations

import reflex as rx

from camshare.components.live_tile import live_tile
from camshare.components.ticker import ticker
from camshare.state.base import AppState
from camshare.state.live_board import LiveBoardState as V

T = AppState.t
TICK_MS = 2000


def _tile(tile) -> rx.Component:
    return rx.el.li(
        rx.el.h3(tile["name"]),
        rx.cond(
            tile["active"] != "",
            rx.fragment(
                live_tile(
                    src=tile["src"],
                    credential=tile["credential"],
                    label=tile["name"],
                    ended_text=T["live.board.stopped"],
                    offline_text=T["live.board.offline"],
                    offline=tile["offline"] != "",
                ),
                rx.el.p(T["live.board.until"], " ", tile["until"], class_name="muted"),
            ),
            rx.el.p(tile["ended"], " ", tile["until"], class_name="muted"),
        ),
        rx.el.p(tile["minutes"], data_testid="live-minutes"),
        rx.cond(
            tile["may_end"] != "",
            rx.el.button(
                T["live.board.end"],
                type="button",
                class_name="secondary small",
                on_click=V.end_share(tile["id"]),
            ),
        ),
        class_name="live-tile-item",
        data_share=tile["id"],
    )


def live_panel() -> rx.Component:
    """Live view of the cameras owners share for this request; not recorded by camshare."""
    return rx.el.section(
        ticker(every=TICK_MS, on_tick=V.tick),
        rx.cond(
            V.tiles.length() > 0,
            rx.fragment(
                rx.el.h2(T["live.board.title"]),
                rx.el.p(T["live.board.not_recorded"], class_name="muted"),
                rx.el.ul(rx.foreach(V.tiles, _tile), class_name="live-tiles", aria_live="polite"),
            ),
        ),
        on_mount=V.load,
    )

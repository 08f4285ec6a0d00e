"""An invisible component that fires an event at a fixed interval while the page is open."""

from __future__ import annotations

import reflex as rx


class Ticker(rx.NoSSRComponent):
    """``on_tick`` every ``every`` milliseconds (paused while the tab is hidden)."""

    library = "$/public" + rx.asset("ticker.jsx", shared=True)
    tag = "Ticker"

    every: rx.Var[int]

    on_tick: rx.EventHandler[lambda: []]


ticker = Ticker.create

"""A shared camera's live view on the request's board (hls.js, loaded only on that page).

A local React component: it plays the share's playlist through camshare, rewrites each
fetch to the newest credential the board hands it (so a renewal never restarts playback),
and stops at once when the server refuses (the share ended).
"""

from __future__ import annotations

import reflex as rx


class LiveTile(rx.NoSSRComponent):
    """One share's player; ``credential`` empty: nothing is fetched."""

    library = "$/public" + rx.asset("live_tile.jsx", shared=True)
    lib_dependencies: list[str] = ["hls.js@1.7.4"]
    tag = "LiveTile"

    # The playlist's address as first issued, and the newest credential.
    src: rx.Var[str]
    credential: rx.Var[str]
    label: rx.Var[str]
    ended_text: rx.Var[str]
    offline_text: rx.Var[str]
    offline: rx.Var[bool]


live_tile = LiveTile.create

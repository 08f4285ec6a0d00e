"""The draggable pin map, a local React component around Leaflet."""

from __future__ import annotations

import reflex as rx


class PinMap(rx.NoSSRComponent):
    """A map with one pin; ``on_move`` gets (lat, lon) when the pin is dragged or placed."""

    library = "$/public" + rx.asset("pin_map.jsx", shared=True)
    lib_dependencies: list[str] = ["leaflet@1.9.4"]
    tag = "PinMap"

    lat: rx.Var[float]
    lon: rx.Var[float]
    zoom: rx.Var[int]
    tile_url: rx.Var[str]
    attribution: rx.Var[str]
    label: rx.Var[str]
    zoom_in_label: rx.Var[str]
    zoom_out_label: rx.Var[str]
    # Optional: a circle of this many metres around the pin, and dots at these points
    # (dicts with "lat" and "lon"), for a police search.
    radius: rx.Var[int]
    points: rx.Var[list[dict[str, str]]]
    # False: a map of points only (no pin to move), e.g. the outreach dashboard.
    show_pin: rx.Var[bool]

    on_move: rx.EventHandler[lambda lat, lon: [lat, lon]]


pin_map = PinMap.create

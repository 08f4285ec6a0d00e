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
    # Shown over the map when its tiles cannot load.
    tiles_failed_label: rx.Var[str]
    # Optional: a circle of this many metres around the pin, and dots at these points
    # (dicts with "lat" and "lon"), for a police search.
    radius: rx.Var[int]
    points: rx.Var[list[dict[str, str]]]
    # False: a map of points only (no pin to move), e.g. the outreach dashboard.
    show_pin: rx.Var[bool]

    on_move: rx.EventHandler[lambda lat, lon: [lat, lon]]


pin_map = PinMap.create


def map_attribution() -> rx.Var:
    """The tile server's credit in the page's language."""
    from camshare.runtime import settings
    from camshare.state.base import AppState

    credit = settings()
    return rx.cond(AppState.lang == "es", credit.map_attribution_es, credit.map_attribution)


def pin_picker(lat, lon, pin_text, on_move, on_nudge, coordinates_testid: str) -> rx.Component:
    """The pin to confirm: the map, its coordinates read aloud, and buttons that move it a
    little (for keyboards and screen readers, which cannot drag)."""
    from camshare.runtime import settings
    from camshare.state.base import AppState

    t = AppState.t
    center = settings()
    return rx.fragment(
        rx.el.div(
            pin_map(
                lat=lat,
                lon=lon,
                zoom=17,
                tile_url=center.map_tile_url,
                attribution=map_attribution(),
                label=t["pin.map_label"],
                zoom_in_label=t["pin.zoom_in"],
                zoom_out_label=t["pin.zoom_out"],
                tiles_failed_label=t["pin.tiles_failed"],
                on_move=on_move,
            ),
            class_name="map-frame",
        ),
        rx.el.p(
            pin_text,
            class_name="coordinates",
            data_testid=coordinates_testid,
            aria_live="polite",
        ),
        rx.el.div(
            rx.el.p(t["pin.nudge"], class_name="muted"),
            rx.el.div(
                *[
                    rx.el.button(
                        t[f"pin.nudge_{direction}"],
                        type="button",
                        class_name="secondary nudge",
                        on_click=on_nudge(direction),
                    )
                    for direction in ("north", "west", "east", "south")
                ],
                class_name="nudges",
            ),
            role="group",
            aria_label=t["pin.nudge"],
        ),
    )

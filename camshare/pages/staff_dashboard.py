"""The sign-up dashboard at /staff/dashboard: funnel, sign-ups per day, ZIP codes, a map."""

from __future__ import annotations

import reflex as rx

from camshare.components.download import download_link
from camshare.components.fields import field_error, text_field
from camshare.components.pin_map import pin_map
from camshare.components.staff_frame import staff_frame, staff_notice
from camshare.components.table import data_table
from camshare.runtime import settings
from camshare.state.base import AppState
from camshare.state.dashboard import DashboardState as D

T = AppState.t


def _filters() -> rx.Component:
    return rx.el.div(
        rx.el.div(
            text_field(
                D,
                "since",
                "dashboard.since",
                type_="date",
                on_change=lambda v: D.remember("since", v),
            ),
            text_field(
                D,
                "until",
                "dashboard.until",
                type_="date",
                on_change=lambda v: D.remember("until", v),
            ),
            class_name="row even",
        ),
        rx.el.div(
            rx.el.label(T["dashboard.campaign"], html_for="f-campaign"),
            rx.el.select(
                rx.el.option(T["dashboard.all_campaigns"], value="all"),
                rx.el.option(T["dashboard.direct"], value="direct"),
                rx.foreach(D.choices, lambda c: rx.el.option(c["label"], value=c["value"])),
                id="f-campaign",
                value=D.typed["campaign"].to(str),
                on_change=lambda v: D.remember("campaign", v),
            ),
            field_error(D, "campaign", "f-campaign"),
            class_name="field",
        ),
        rx.el.button(
            T["dashboard.apply"],
            type="button",
            class_name="primary",
            on_click=D.apply,
            id="apply-filters",
        ),
        key=D.form_version.to(str),
    )


def _bar(label: rx.Var, count: rx.Var, width: rx.Var, extra=None) -> rx.Component:
    return rx.el.li(
        rx.el.span(label, class_name="bar-label"),
        rx.el.span(
            rx.el.span(class_name="bar-fill", style={"width": width + "%"}), class_name="bar"
        ),
        rx.el.span(count, class_name="bar-count"),
        *([extra] if extra is not None else []),
    )


def _funnel() -> rx.Component:
    return rx.el.section(
        rx.el.h2(T["dashboard.funnel"]),
        rx.el.ul(
            rx.foreach(
                D.funnel,
                lambda s: _bar(
                    s["step"],
                    s["count"],
                    s["width"],
                    rx.cond(
                        s["lost"] != "",
                        rx.el.span(
                            T["dashboard.lost"], " ", s["lost"], class_name="muted bar-lost"
                        ),
                    ),
                ),
            ),
            class_name="bars",
            data_testid="funnel",
        ),
    )


def _campaign_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(row["campaign"]),
        *[
            rx.el.td(row[k])
            for k in ("scans", "started", "verified", "completed", "locations", "cameras")
        ],
        data_testid="campaign-row",
    )


def _downloads() -> rx.Component:
    def link(table: str, key: str) -> rx.Component:
        return download_link(T[key], D.csv_links[table])

    return rx.el.p(
        link("campaigns", "dashboard.csv_campaigns"),
        link("days", "dashboard.csv_days"),
        link("zips", "dashboard.csv_zips"),
        rx.cond(
            D.can["dashboard.export_personal"], link("registrations", "dashboard.csv_registrations")
        ),
        class_name="downloads",
    )


def dashboard_page() -> rx.Component:
    """The figures for the chosen dates and campaign."""
    return staff_frame(
        staff_notice(D),
        _filters(),
        _funnel(),
        rx.el.h2(T["dashboard.by_campaign"]),
        data_table(
            [
                "dashboard.campaign",
                "dashboard.step.scans",
                "dashboard.step.started",
                "dashboard.step.verified",
                "dashboard.step.completed",
                "dashboard.locations",
                "dashboard.cameras",
            ],
            D.rows,
            _campaign_row,
        ),
        rx.el.h2(T["dashboard.per_day"]),
        rx.cond(
            D.days.length() > 0,
            rx.el.ul(
                rx.foreach(D.days, lambda d: _bar(d["day"], d["count"], d["width"])),
                class_name="bars",
            ),
            rx.el.p(T["dashboard.no_signups"], class_name="muted"),
        ),
        rx.el.h2(T["dashboard.by_zip"]),
        data_table(
            ["dashboard.zip", "dashboard.locations", "dashboard.cameras"],
            D.zips,
            lambda z: rx.el.tr(
                rx.el.td(z["zip"]), rx.el.td(z["locations"]), rx.el.td(z["cameras"])
            ),
        ),
        rx.el.h2(T["dashboard.map"]),
        rx.el.p(T["dashboard.map_hint"], class_name="hint"),
        rx.el.div(
            pin_map(
                lat=settings().map_center_point[0],
                lon=settings().map_center_point[1],
                zoom=11,
                tile_url=settings().map_tile_url,
                attribution=settings().map_attribution,
                label=T["dashboard.map"],
                zoom_in_label=T["pin.zoom_in"],
                zoom_out_label=T["pin.zoom_out"],
                points=D.points,
                show_pin=False,
            ),
            class_name="map-frame",
        ),
        rx.el.h2(T["dashboard.export"]),
        _downloads(),
        state=D,
        title_key="dashboard.title",
    )

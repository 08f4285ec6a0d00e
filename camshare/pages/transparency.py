"""The public transparency page at /transparency: aggregates only, no sign-in.

A phone first (360 px): one column of sections, each under a heading that names it for
screen readers; tables scroll sideways when they must; the agreement's full text is folded
in a <details>. Every figure arrives as text from TransparencyState, small counts already
written as "fewer than 5".
"""

from __future__ import annotations

import reflex as rx

from camshare.components.layout import page_frame
from camshare.components.table import data_table
from camshare.state.base import AppState
from camshare.state.transparency import TransparencyState as S

T = AppState.t


def _section(section_id: str, heading_key: str, *children: rx.Component) -> rx.Component:
    heading_id = f"{section_id}-heading"
    return rx.el.section(
        rx.el.h2(T[heading_key], id=heading_id),
        *children,
        aria_labelledby=heading_id,
        data_testid=section_id,
    )


def _not_shown_aware(text: rx.Var, spoken: rx.Var) -> list[rx.Component]:
    """``text`` on screen, ``spoken`` for screen readers ("—" is read as nothing)."""
    return [
        rx.el.span(text, aria_hidden="true"),
        rx.el.span(spoken, class_name="visually-hidden"),
    ]


def _fact(item: rx.Var) -> rx.Component:
    return rx.fragment(rx.el.dt(item["label"]), rx.el.dd(item["value"]))


def _zip_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row["zip"], scope="row"),
        rx.el.td(row["locations"]),
        rx.el.td(row["cameras"]),
    )


def _month_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row["month"], scope="row", class_name="nowrap"),
        rx.el.td(
            rx.cond(
                row["kind"] == "type",
                rx.el.span(row["label"], style={"display": "inline-block", "padding_left": "16px"}),
                rx.el.strong(row["label"]),
            )
        ),
        rx.el.td(row["requests"]),
        data_kind=row["kind"],
    )


def _answer_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row["answer"], scope="row"),
        rx.el.td(row["owners"]),
        rx.el.td(*_not_shown_aware(row["share"], row["share_sr"])),
        data_answer=row["key"],
    )


def _history_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.th(row["version"], scope="row", class_name="nowrap"),
        rx.el.td(row["published"], class_name="nowrap"),
        rx.el.td(row["changes"]),
    )


def _registrations() -> rx.Component:
    return _section(
        "registrations",
        "transparency.registry_heading",
        rx.el.p(T["transparency.registry_lead"]),
        rx.el.dl(rx.foreach(S.totals, _fact), class_name="facts"),
        rx.el.h3(T["transparency.by_zip_heading"]),
        rx.el.p(T["transparency.zip_note"], class_name="muted"),
        rx.cond(
            S.zip_rows.length() > 0,
            data_table(
                ["transparency.zip", "transparency.locations", "transparency.cameras"],
                S.zip_rows,
                _zip_row,
            ),
            rx.el.p(T["transparency.no_locations"]),
        ),
    )


def _requests() -> rx.Component:
    return _section(
        "requests",
        "transparency.requests_heading",
        rx.el.p(S.period_lead),
        rx.el.p(T["transparency.requests_note"], class_name="muted"),
        data_table(
            ["transparency.month", "transparency.incident", "transparency.requests"],
            S.month_rows,
            _month_row,
        ),
        rx.el.dl(
            rx.el.dt(T["transparency.rejected"]),
            rx.el.dd(S.rejected),
            class_name="facts",
        ),
    )


def _footage() -> rx.Component:
    return _section(
        "footage",
        "transparency.footage_heading",
        rx.el.p(T["transparency.footage_lead"]),
        data_table(
            [
                "transparency.month",
                "transparency.footage_received",
                "transparency.footage_accepted",
            ],
            S.footage_rows,
            lambda row: rx.el.tr(
                rx.el.th(row["month"], scope="row"),
                rx.el.td(row["received"]),
                rx.el.td(row["accepted"]),
            ),
        ),
    )


def _live() -> rx.Component:
    return _section(
        "live",
        "transparency.live_heading",
        rx.el.p(T["transparency.live_lead"]),
        data_table(
            [
                "transparency.month",
                "transparency.live_shares",
                "transparency.live_types",
                "transparency.live_hours",
            ],
            S.live_rows,
            lambda row: rx.el.tr(
                rx.el.th(row["month"], scope="row"),
                rx.el.td(row["shares"]),
                rx.el.td(row["types"]),
                rx.el.td(row["hours"]),
            ),
        ),
    )


def _answers() -> rx.Component:
    return _section(
        "answers",
        "transparency.answers_heading",
        rx.el.p(T["transparency.answers_lead"]),
        data_table(
            ["transparency.answer", "transparency.owners_asked", "transparency.share"],
            S.answer_rows,
            _answer_row,
        ),
        rx.el.dl(
            rx.el.dt(T["transparency.awaiting"]),
            rx.el.dd(S.awaiting),
            rx.el.dt(T["transparency.median"]),
            rx.el.dd(*_not_shown_aware(S.median, S.median_sr)),
            class_name="facts",
        ),
    )


def _agreement() -> rx.Component:
    return _section(
        "agreement",
        "transparency.agreement_heading",
        rx.el.p(T["transparency.agreement_lead"]),
        rx.cond(
            S.has_agreement,
            rx.el.div(
                rx.el.h3(S.agreement_title),
                rx.el.p(S.agreement_version, class_name="muted"),
                rx.el.h4(T["transparency.in_short"]),
                rx.el.ul(
                    rx.foreach(S.agreement_summary, lambda item: rx.el.li(item)),
                    class_name="summary",
                ),
                rx.el.details(
                    rx.el.summary(T["transparency.read_full"]),
                    rx.foreach(S.agreement_body, lambda paragraph: rx.el.p(paragraph)),
                    class_name="full-text",
                ),
                class_name="agreement",
            ),
            rx.el.p(T["transparency.no_agreement"]),
        ),
        rx.cond(
            S.history.length() > 0,
            rx.el.div(
                rx.el.h3(T["transparency.history_heading"]),
                data_table(
                    ["transparency.version", "transparency.published", "transparency.changes"],
                    S.history,
                    _history_row,
                ),
            ),
        ),
    )


def transparency_page() -> rx.Component:
    """Registrations by ZIP code, requests by month, owners' answers, the agreement."""
    return page_frame(
        rx.el.h1(T["transparency.title"]),
        rx.el.p(T["transparency.lead"], class_name="lead"),
        rx.cond(
            S.failed,
            rx.el.p(T["transparency.failed"], class_name="notice", role="alert"),
            rx.cond(
                S.ready,
                rx.el.div(
                    rx.el.p(S.as_of, class_name="muted"),
                    rx.el.p(T["transparency.small_counts"], class_name="muted"),
                    _registrations(),
                    _requests(),
                    _answers(),
                    _footage(),
                    _live(),
                    _agreement(),
                ),
                rx.el.p(T["transparency.loading"], class_name="muted", role="status"),
            ),
        ),
        on_switch=S.switch,
    )

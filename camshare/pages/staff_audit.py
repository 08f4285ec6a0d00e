"""Admin page: the audit log, newest first, with filters and paging."""

from __future__ import annotations

import reflex as rx

from camshare.components.fields import text_field
from camshare.components.staff_frame import staff_frame, staff_notice
from camshare.components.table import data_table
from camshare.state.base import AppState
from camshare.state.staff_audit import StaffAuditState as A

T = AppState.t


def _action_filter() -> rx.Component:
    """Free text (a prefix such as "staff.") with the actions present offered as suggestions."""
    return rx.el.div(
        rx.el.label(T["audit.action"], html_for="f-action"),
        rx.el.p(T["audit.action_hint"], id="f-action-hint", class_name="hint"),
        rx.el.input(
            id="f-action",
            name="action",
            type="text",
            list="audit-actions",
            auto_complete="off",
            max_length=64,
            default_value=A.typed["action"].to(str),
            on_blur=lambda value: A.remember("action", value),
            on_change=lambda value: A.remember("action", value),
            aria_describedby="f-action-hint",
        ),
        rx.el.datalist(
            rx.foreach(A.actions, lambda action: rx.el.option(value=action)),
            id="audit-actions",
        ),
        class_name="field",
    )


def _date_filter(name: str, label_key: str) -> rx.Component:
    # Date pickers may never blur: keep the value as soon as it changes.
    return text_field(
        A, name, label_key, type_="date", on_change=lambda value: A.remember(name, value)
    )


def _filters() -> rx.Component:
    return rx.el.form(
        _action_filter(),
        text_field(A, "actor", "audit.actor_filter", autocomplete="off", max_length=64),
        rx.el.div(
            _date_filter("date_from", "audit.date_from"),
            _date_filter("date_to", "audit.date_to"),
            class_name="row even",
        ),
        rx.el.button(T["audit.search"], type="submit", class_name="primary", id="audit-search"),
        key=A.form_version.to(str),
        on_submit=A.search,
        no_validate=True,
        role="search",
        aria_label=T["audit.filters"],
    )


def _event_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.time(row["at"]), class_name="nowrap"),
        rx.el.td(row["actor"]),
        rx.el.td(rx.el.code(row["action"])),
        rx.el.td(row["subject"]),
        rx.el.td(row["ip"]),
        rx.el.td(
            rx.el.code(row["detail"]),
            class_name="audit-detail",
        ),
        data_event_id=row["id"],
    )


def _pager() -> rx.Component:
    return rx.el.nav(
        rx.el.button(
            T["audit.newer"],
            type="button",
            class_name="secondary small",
            on_click=A.newer_page,
            disabled=A.newer.length() == 0,
            id="audit-newer",
        ),
        rx.el.button(
            T["audit.older"],
            type="button",
            class_name="secondary small",
            on_click=A.older,
            disabled=A.next_before_id == 0,
            id="audit-older",
        ),
        class_name="row",
        aria_label=T["audit.pages"],
    )


def staff_audit_page() -> rx.Component:
    """The filters, then a page of events and the buttons to page through them."""
    return staff_frame(
        staff_notice(A),
        _filters(),
        rx.cond(
            A.rows.length() > 0,
            rx.fragment(
                data_table(
                    [
                        "audit.time",
                        "audit.actor",
                        "audit.action",
                        "audit.subject",
                        "audit.ip",
                        "audit.detail",
                    ],
                    A.rows,
                    _event_row,
                ),
                _pager(),
            ),
            rx.el.p(T["audit.none"], class_name="muted"),
        ),
        title_key="audit.title",
        state=A,
    )

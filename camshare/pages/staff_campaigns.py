"""Outreach campaigns at /staff/campaigns: each with its join URL, QR code and flyer."""

from __future__ import annotations

import reflex as rx

from camshare.components.download import download_link
from camshare.components.fields import field_error, text_field
from camshare.components.staff_frame import staff_frame, staff_notice
from camshare.services.outreach.campaigns import CAMPAIGN_KINDS, FLYER_LANGUAGES
from camshare.state.base import AppState
from camshare.state.campaigns import CampaignsState as C

T = AppState.t


def _select(name: str, label_key: str, options: list[rx.Component]) -> rx.Component:
    input_id = f"f-{name}"
    return rx.el.div(
        rx.el.label(T[label_key], html_for=input_id),
        rx.el.select(
            *options,
            id=input_id,
            name=name,
            value=C.typed[name].to(str),
            on_change=lambda value: C.choose(name, value),
            aria_invalid=rx.cond(C.messages.contains(name), "true", "false"),
        ),
        field_error(C, name, input_id),
        class_name="field",
    )


def _form() -> rx.Component:
    return rx.el.section(
        rx.el.h2(rx.cond(C.editing != "", T["campaigns.edit_title"], T["campaigns.new_title"])),
        rx.el.div(
            text_field(C, "name", "campaigns.name", required=True),
            _select(
                "kind",
                "campaigns.kind",
                [rx.el.option(T[f"campaigns.kind.{k}"], value=k) for k in CAMPAIGN_KINDS],
            ),
            text_field(C, "event_date", "campaigns.date", type_="date"),
            text_field(C, "place", "campaigns.place"),
            text_field(C, "neighbourhood", "campaigns.neighbourhood", max_length=100),
            text_field(
                C,
                "zip_code",
                "campaigns.zip",
                input_mode="numeric",
                max_length=5,
                autocomplete="off",
            ),
            _select(
                "flyer_language",
                "campaigns.flyer_language",
                [rx.el.option(T[f"campaigns.flyer.{k}"], value=k) for k in FLYER_LANGUAGES],
            ),
            _select(
                "responsible_id",
                "campaigns.responsible",
                [
                    rx.el.option(T["campaigns.nobody"], value=""),
                    rx.foreach(C.people, lambda p: rx.el.option(p["name"], value=p["id"])),
                ],
            ),
            key=C.form_version.to(str),
        ),
        rx.el.button(
            T["campaigns.save"],
            type="button",
            class_name="primary",
            on_click=C.save,
            id="save-campaign",
        ),
        rx.cond(
            C.editing != "",
            rx.el.button(
                T["campaigns.cancel_edit"],
                type="button",
                class_name="secondary",
                on_click=C.start_new,
            ),
        ),
        id="campaign-form",
    )


def _campaign(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.el.p(
            rx.el.strong(row["name"]),
            " · ",
            rx.el.code(row["code"], data_testid="campaign-code"),
            rx.cond(row["archived"] != "", rx.el.span(T["campaigns.archived"], class_name="badge")),
        ),
        rx.el.p(row["details"], class_name="muted"),
        rx.el.p(
            rx.el.a(
                row["join_url"], href=row["join_url"], class_name="join-url", data_testid="join-url"
            )
        ),
        rx.el.p(
            download_link(T["campaigns.download_png"], row["png"], data_testid="download-png"),
            download_link(T["campaigns.download_svg"], row["svg"]),
            download_link(T["campaigns.download_pdf"], row["pdf"], data_testid="download-pdf"),
            class_name="downloads",
        ),
        rx.el.p(
            rx.el.button(
                T["campaigns.edit"],
                type="button",
                class_name="secondary small",
                on_click=C.edit(row["id"]),
            ),
            rx.cond(
                row["archived"] != "",
                rx.el.button(
                    T["campaigns.restore"],
                    type="button",
                    class_name="secondary small",
                    on_click=C.set_archived(row["id"], False),
                ),
                rx.el.button(
                    T["campaigns.archive"],
                    type="button",
                    class_name="secondary small",
                    on_click=C.set_archived(row["id"], True),
                ),
            ),
            class_name="downloads",
        ),
        class_name="request-item",
        data_testid="campaign",
    )


def campaigns_page() -> rx.Component:
    """The campaigns and the form."""
    return staff_frame(
        staff_notice(C),
        rx.el.label(
            rx.el.input(
                type="checkbox", checked=C.show_archived, on_change=lambda _: C.toggle_archived()
            ),
            rx.el.span(T["campaigns.show_archived"]),
            class_name="choice",
        ),
        rx.cond(
            C.rows.length() > 0,
            rx.el.ul(rx.foreach(C.rows, _campaign), class_name="request-list"),
            rx.el.p(T["campaigns.none"], class_name="muted"),
        ),
        _form(),
        state=C,
        title_key="campaigns.title",
    )

"""Admin page: the agreement in force, every version with what changed, and a new version."""

from __future__ import annotations

import reflex as rx

from camshare.components.fields import described_by, field_error, text_field
from camshare.components.staff_frame import staff_frame, staff_notice
from camshare.components.table import data_table
from camshare.state.base import AppState
from camshare.state.staff_agreements import StaffAgreementsState as A

T = AppState.t


def _version_row(row: rx.Var) -> rx.Component:
    return rx.el.tr(
        rx.el.td(rx.el.strong(row["version"]), rx.el.br(), row["title"]),
        rx.el.td(row["published_at"]),
        rx.el.td(row["change_en"], lang="en"),
        rx.el.td(row["change_es"], lang="es"),
        data_version=row["version"],
    )


def _current() -> rx.Component:
    return rx.el.section(
        rx.el.h2(T["agreements.current"]),
        rx.cond(
            A.versions.length() > 0,
            rx.el.p(
                rx.el.strong(A.current["version"]),
                " · ",
                A.current["title"],
                " · ",
                A.current["published_at"],
                data_testid="current-version",
            ),
            rx.el.p(T["agreements.none"], class_name="muted"),
        ),
        rx.cond(A.waiting_text != "", rx.el.p(A.waiting_text, data_testid="waiting")),
    )


def _textarea(
    name: str, label_key: str, hint_key: str | None, rows: int, lang: str
) -> rx.Component:
    input_id = f"f-{name}"
    return rx.el.div(
        rx.el.label(T[label_key], html_for=input_id),
        *([rx.el.p(T[hint_key], id=f"{input_id}-hint", class_name="hint")] if hint_key else []),
        rx.el.textarea(
            id=input_id,
            name=name,
            rows=rows,
            lang=lang,
            default_value=A.typed[name].to(str),
            on_blur=lambda value: A.remember(name, value),
            aria_invalid=rx.cond(A.messages.contains(name), "true", "false"),
            aria_describedby=described_by(A, name, input_id, hint_key is not None),
        ),
        field_error(A, name, input_id),
        class_name="field",
    )


def _language_part(lang: str, legend_key: str) -> rx.Component:
    return rx.el.fieldset(
        rx.el.legend(T[legend_key]),
        text_field(
            A, f"{lang}_title", "agreements.field_title", required=True, max_length=200, lang=lang
        ),
        _textarea(
            f"{lang}_change", "agreements.field_change", "agreements.field_change_hint", 3, lang
        ),
        _textarea(
            f"{lang}_summary", "agreements.field_summary", "agreements.field_summary_hint", 6, lang
        ),
        _textarea(f"{lang}_body", "agreements.field_body", "agreements.field_body_hint", 12, lang),
        class_name="field-group",
    )


def _publish_form() -> rx.Component:
    return rx.el.section(
        rx.el.h2(T["agreements.publish_title"], id="publish-title"),
        rx.el.p(T["agreements.publish_lead"], class_name="hint"),
        rx.el.div(
            text_field(
                A,
                "version",
                "agreements.version_label",
                required=True,
                max_length=32,
                autocomplete="off",
                hint_key="agreements.version_hint",
            ),
            _language_part("en", "agreements.in_english"),
            _language_part("es", "agreements.in_spanish"),
            rx.el.button(
                rx.cond(A.busy, T["app.working"], T["agreements.publish"]),
                type="button",
                class_name="primary",
                on_click=A.publish,
                disabled=A.busy,
                id="publish-version",
            ),
            key=A.form_version.to(str),
        ),
        aria_labelledby="publish-title",
    )


def _owner_history() -> rx.Component:
    """An owner's consent history, looked up by phone (admins; each look is audited)."""
    return rx.el.section(
        rx.el.h2(T["agreements.owner_history"]),
        rx.el.div(
            rx.el.label(T["contact.phone"], html_for="f-lookup_phone"),
            rx.el.input(
                id="f-lookup_phone",
                type="tel",
                input_mode="tel",
                auto_complete="off",
                max_length=40,
                on_blur=A.set_lookup_phone,
                aria_invalid=rx.cond(A.messages.contains("lookup_phone"), "true", "false"),
            ),
            field_error(A, "lookup_phone", "f-lookup_phone"),
            class_name="field",
        ),
        rx.el.button(
            T["agreements.look_up"],
            type="button",
            class_name="secondary",
            on_click=A.look_up_history,
        ),
        rx.cond(
            A.history_shown,
            data_table(
                [
                    "agreements.version",
                    "agreements.language",
                    "agreements.accepted_at",
                    "agreements.withdrawn_at",
                ],
                A.history,
                lambda r: rx.el.tr(
                    rx.el.td(r["version"]),
                    rx.el.td(r["language"]),
                    rx.el.td(r["accepted"]),
                    rx.el.td(r["withdrawn"]),
                ),
            ),
        ),
    )


def staff_agreements_page() -> rx.Component:
    """The version in force, the history, then the form for a new version."""
    return staff_frame(
        staff_notice(A),
        _current(),
        rx.el.h2(T["agreements.history"]),
        data_table(
            [
                "agreements.version",
                "agreements.published_at",
                "agreements.changes_en",
                "agreements.changes_es",
            ],
            A.versions,
            _version_row,
        ),
        _publish_form(),
        _owner_history(),
        title_key="agreements.title",
        state=A,
    )

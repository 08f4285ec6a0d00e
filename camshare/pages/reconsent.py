"""The re-consent page at /a/<token>: what changed, the agreement, and a signature."""

from __future__ import annotations

import reflex as rx

from camshare.components.agreement import accept_box, agreement_text
from camshare.components.fields import text_field
from camshare.components.link_page import link_page
from camshare.components.text import text
from camshare.services.registration import MAX_NAME
from camshare.state.base import AppState
from camshare.state.reconsent import ReconsentState as R

T = AppState.t


def _accepted() -> rx.Component:
    return rx.el.div(
        rx.el.p(
            text(T, "reconsent.done", version=R.accepted_version),
            role="status",
            class_name="notice done",
            data_testid="reconsent-done",
        ),
        rx.cond(R.still_paused, rx.el.p(T["reconsent.done_paused"], class_name="muted")),
    )


def _signature() -> rx.Component:
    return rx.el.form(
        accept_box(R, T["reconsent.accept_box"]),
        text_field(
            R,
            "typed_name",
            "reconsent.typed_name",
            autocomplete="name",
            hint_key="reconsent.typed_name_hint",
            required=True,
            max_length=MAX_NAME,
        ),
        rx.el.button(
            rx.cond(R.busy, T["app.working"], T["reconsent.accept"]),
            type="submit",
            class_name="primary",
            disabled=R.busy,
            id="accept",
        ),
        on_submit=R.accept,
        key=R.form_version.to_string() + "-reconsent",
        no_validate=True,
    )


def _agreement() -> rx.Component:
    return rx.el.div(
        rx.el.p(text(T, "reconsent.lead", version=R.agreement_version), class_name="lead"),
        rx.cond(
            R.previous_version != "",
            rx.el.p(text(T, "reconsent.previous", version=R.previous_version), class_name="muted"),
        ),
        rx.el.section(
            rx.el.h2(T["reconsent.what_changed"]),
            rx.el.p(R.change_summary, class_name="change-summary", data_testid="change-summary"),
        ),
        agreement_text(
            R.agreement_title,
            R.agreement_summary,
            R.agreement_body,
            T["reconsent.summary"],
            T["reconsent.full_text"],
        ),
        rx.cond(
            R.accepted_version != "",
            _accepted(),
            rx.fragment(
                rx.cond(R.pauses, rx.el.p(T["reconsent.paused_until_accepted"], class_name="hint")),
                _signature(),
                rx.el.p(T["reconsent.decline_hint"], class_name="muted"),
            ),
        ),
    )


def reconsent_page() -> rx.Component:
    """What the re-consent SMS link opens."""
    return link_page("reconsent.title", R, _agreement())

"""An agreement's text as owners read it: its points first, the full text folded below."""

from __future__ import annotations

import reflex as rx

from camshare.components.fields import field_error


def agreement_text(
    title: rx.Var, summary: rx.Var, body: rx.Var, summary_heading, full_text_label, *extra
) -> rx.Component:
    """The title, ``extra`` lines (a version), the summary points, then the body in <details>."""
    return rx.el.section(
        rx.el.h2(title),
        *extra,
        rx.el.h3(summary_heading),
        rx.el.ul(rx.foreach(summary, lambda item: rx.el.li(item)), class_name="summary"),
        rx.el.details(
            rx.el.summary(full_text_label),
            rx.foreach(body, lambda paragraph: rx.el.p(paragraph)),
            class_name="full-text",
        ),
        class_name="agreement",
    )


def accept_box(state, label: rx.Var) -> rx.Component:
    """The "I have read and accept" checkbox of a signature, with its error under it."""
    invalid = state.messages.contains("accepted")
    return rx.el.div(
        rx.el.label(
            rx.el.input(
                type="checkbox",
                name="accepted",
                id="f-accepted",
                aria_invalid=rx.cond(invalid, "true", "false"),
                aria_describedby=rx.cond(invalid, "f-accepted-error", ""),
            ),
            rx.el.span(label),
            class_name="choice",
            html_for="f-accepted",
        ),
        field_error(state, "accepted", "f-accepted"),
        class_name="field",
    )

"""The owner's answer page at /r/<token>: the request, their cameras concerned, two buttons."""

from __future__ import annotations

import reflex as rx

from camshare.components.connection import waiting_button
from camshare.components.fields import field_error
from camshare.components.link_page import link_page
from camshare.components.live_offer import live_offer
from camshare.components.text import text
from camshare.state.base import AppState
from camshare.state.owner_answer import OwnerAnswerState as O

T = AppState.t


def _answered() -> rx.Component:
    """The owner's answer, unmistakable: what they chose, what follows, how to change it."""
    approved = O.answer == "approved"
    expires = O.details["expires"]
    return rx.el.section(
        rx.el.p(
            rx.el.span(rx.cond(approved, "✓", "✗"), aria_hidden="true", class_name="answer-mark"),
            rx.cond(approved, T["answer.you_approved"], T["answer.you_declined"]),
            class_name="answer-choice",
        ),
        rx.el.p(rx.cond(approved, T["answer.approved_detail"], T["answer.declined_detail"])),
        rx.cond(
            O.footage_path != "",
            rx.el.p(
                rx.el.a(
                    T["answer.send_footage"],
                    href=O.footage_path,
                    class_name="button primary big",
                    id="send-footage",
                ),
                rx.el.span(T["answer.send_footage_hint"], class_name="hint"),
                class_name="secondary-action",
            ),
        ),
        rx.cond(approved, live_offer()),
        rx.el.p(
            rx.cond(
                approved,
                text(T, "answer.change_to_decline", expires=expires),
                text(T, "answer.change_to_approve", expires=expires),
            ),
            class_name="hint",
        ),
        role="status",
        tab_index=-1,
        id="your-answer",
        class_name=rx.cond(approved, "answer-panel approved", "answer-panel declined"),
        data_testid="your-answer",
        data_answer=O.answer,
    )


def _message() -> rx.Component:
    d = O.details
    return rx.fragment(
        rx.cond(d["message"] != "", rx.el.blockquote(d["message"], class_name="officer-message")),
        rx.cond(
            d["own_words"] != "",
            rx.el.div(
                rx.el.p(T["answer.own_words"], class_name="hint"),
                rx.el.blockquote(d["own_words"], class_name="officer-message own-words"),
                data_testid="own-words",
            ),
        ),
    )


def _check_genuine() -> rx.Component:
    d = O.details
    return rx.cond(
        d["check"] != "",
        rx.el.section(
            rx.el.h2(T["answer.check_title"]),
            rx.el.p(d["check"], data_testid="check-genuine"),
            rx.el.p(T["answer.check_hint"], class_name="hint"),
            class_name="check-genuine",
        ),
    )


def _request() -> rx.Component:
    d = O.details
    return rx.el.div(
        rx.cond(O.answer != "", _answered()),
        rx.cond(d["emergency"] != "", rx.el.p(T["answer.emergency"], class_name="badge urgent")),
        rx.el.p(text(T, "answer.lead", agency=d["agency"]), class_name="lead"),
        rx.el.dl(
            rx.el.dt(T["answer.case"]),
            rx.el.dd(d["case"], data_testid="case-number"),
            rx.el.dt(T["answer.incident"]),
            rx.el.dd(d["incident"]),
            rx.el.dt(T["answer.where"]),
            rx.el.dd(d["place"], data_testid="incident-place"),
            rx.el.dt(T["answer.when"]),
            rx.el.dd(d["window"]),
            rx.el.dt(T["answer.open_until"]),
            rx.el.dd(d["expires"]),
            class_name="facts",
        ),
        _message(),
        _check_genuine(),
        rx.el.h2(T["answer.your_cameras"]),
        rx.el.ul(
            rx.foreach(
                O.locations,
                lambda loc: rx.el.li(
                    rx.el.p(loc["address"], class_name="site-address"),
                    rx.el.p(loc["cameras"], class_name="muted"),
                ),
            ),
            class_name="sites",
        ),
        rx.el.p(T["answer.what_happens"], class_name="hint"),
        rx.el.div(
            rx.el.label(T["answer.note"], html_for="f-note"),
            rx.el.p(T["answer.note_hint"], id="f-note-hint", class_name="hint"),
            rx.el.textarea(
                id="f-note",
                rows=3,
                max_length=500,
                default_value=O.note,
                on_blur=O.set_note,
                aria_describedby="f-note-hint",
            ),
            field_error(O, "note", "f-note"),
            class_name="field",
        ),
        rx.el.div(
            waiting_button(
                T["answer.approve"],
                class_name="primary",
                id="approve",
                aria_pressed=rx.cond(O.answer == "approved", "true", "false"),
                on_click=O.respond("approved"),
            ),
            waiting_button(
                T["answer.decline"],
                class_name="secondary",
                id="decline",
                aria_pressed=rx.cond(O.answer == "declined", "true", "false"),
                on_click=O.respond("declined"),
            ),
            class_name="answer-buttons",
        ),
        rx.el.p(text(T, "answer.by_sms", code=d["code"]), class_name="muted"),
    )


def owner_answer_page() -> rx.Component:
    """What the SMS link opens."""
    return link_page("answer.title", O, _request())

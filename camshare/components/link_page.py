"""The frame of a page opened from an SMS link: a heading, the content once the link was
checked, or a clear message that reveals nothing when the link does not work."""

from __future__ import annotations

import reflex as rx

from camshare.components.layout import page_frame
from camshare.state.base import AppState


def link_page(title_key: str, state, content: rx.Component) -> rx.Component:
    """``state`` is a ``LinkProblem`` state with ``notice_text`` and ``switch_language``."""
    t = AppState.t
    return page_frame(
        rx.el.h1(t[title_key]),
        rx.cond(
            state.notice_text != "", rx.el.p(state.notice_text, role="alert", class_name="notice")
        ),
        rx.cond(
            state.loaded,
            rx.cond(
                state.link_problem != "",
                rx.el.p(
                    state.link_problem_text,
                    role="alert",
                    class_name="notice",
                    data_testid="link-problem",
                ),
                content,
            ),
            rx.el.p(t["app.loading"], class_name="muted"),
        ),
        on_switch=state.switch_language,
    )

"""Errors and notices shown on a form, kept as message keys so a language switch translates them."""

from __future__ import annotations

from typing import Any

import reflex as rx

from camshare.i18n import translate
from camshare.services.errors import DomainError, ValidationFailed

_CLEARED = (
    ("errors", dict),
    ("error_params", dict),
    ("notice", str),
    ("notice_params", dict),
    ("done", str),
    ("done_params", dict),
)


class FormFeedback(rx.State, mixin=True):
    """Each field's error and the message above the form, for states that take input."""

    errors: dict[str, str] = {}
    error_params: dict[str, dict[str, Any]] = {}
    notice: str = ""
    notice_params: dict[str, Any] = {}
    # A success to confirm ("Campaign saved."), shown apart from errors.
    done: str = ""
    done_params: dict[str, Any] = {}

    @rx.var
    def messages(self) -> dict[str, str]:
        """Each field's error in the current language."""
        return {
            field: translate(self.lang, key, **self.error_params.get(field, {}))
            for field, key in self.errors.items()
        }

    @rx.var
    def notice_text(self) -> str:
        """The message shown above the form, in the current language."""
        return translate(self.lang, self.notice, **self.notice_params) if self.notice else ""

    @rx.var
    def done_text(self) -> str:
        """The confirmation of the last success, in the current language."""
        return translate(self.lang, self.done, **self.done_params) if self.done else ""

    def _clear_errors(self) -> None:
        # Only what is set: an assignment marks the field (and the messages computed from
        # it) changed, and every event would send them all again.
        for name, empty in _CLEARED:
            if getattr(self, name):
                setattr(self, name, empty())

    def _show_done(self, key: str, **params: Any) -> None:
        self.done, self.done_params = key, params

    def _show_error(self, exc: DomainError) -> None:
        if isinstance(exc, ValidationFailed):
            self.errors = dict(exc.errors)
            self.error_params = {k: dict(v) for k, v in exc.field_params.items()}
            self.notice = exc.key
            self.notice_params = {}
        elif exc.field:
            # The message stands under its field (which gets the focus): no banner copy.
            self.errors = {exc.field: exc.key}
            self.error_params = {exc.field: dict(exc.params)}
            self.notice = ""
        else:
            self.errors = {}
            self.notice = exc.key
            self.notice_params = dict(exc.params)


class LinkProblem(rx.State, mixin=True):
    """A page opened from an SMS link: whether the link was checked, and why it fails."""

    loaded: bool = False
    # The key of the message an unusable link gets (invalid, closed), or "".
    link_problem: str = ""

    @rx.var
    def link_problem_text(self) -> str:
        """Why the link does not work, in the current language."""
        return translate(self.lang, self.link_problem) if self.link_problem else ""

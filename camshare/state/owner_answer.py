"""An owner answering a police request from their SMS link: no password, no app."""

from __future__ import annotations

import reflex as rx

from camshare import runtime
from camshare.i18n import LANGUAGES
from camshare.services.access import answers
from camshare.services.access.wording import (
    camera_summary,
    describe_block,
    format_moment,
    format_window,
    incident_label,
)
from camshare.services.errors import DomainError
from camshare.state.base import AppState
from camshare.state.feedback import FormFeedback


class OwnerAnswerState(FormFeedback, AppState):
    """The request as the owner may see it; the token stays in the URL, never in state."""

    loaded: bool = False
    # "ok", or the key of the message an unusable link gets (invalid, closed).
    link_problem: str = ""
    details: dict[str, str] = {}
    locations: list[dict[str, str]] = []
    answer: str = ""
    note: str = ""
    just_answered: bool = False

    def _token(self) -> str:
        return str(self.router.page.params.get("token", ""))

    def _show(self, view: answers.OwnerRequestView) -> None:
        settings = runtime.settings()
        lang = self.lang
        self.details = {
            "agency": settings.agency_name,
            "incident": incident_label(view.incident_type, lang),
            "emergency": "1" if view.emergency else "",
            "place": describe_block(view.block, lang),
            "window": format_window(view.window_start, view.window_end, lang, settings),
            "expires": format_moment(view.expires_at, lang, settings),
            "message": view.message,
            "code": view.reply_code,
        }
        self.locations = [
            {
                "address": loc.address_line,
                "cameras": ", ".join(
                    camera_summary(lang, kind, count, faces) for kind, count, faces in loc.cameras
                ),
            }
            for loc in view.locations
        ]
        self.answer = view.answer or ""
        self.note = view.note or ""

    @rx.event
    async def load(self):
        """Page load: show the request and record "opened"; nothing is answered here."""
        self._clear_errors()
        self.just_answered = False
        self.loaded = False
        try:
            view = await runtime.in_session_async(answers.open_request_link, self._token())
        except DomainError as exc:
            self._initial_language()
            self.link_problem = exc.key
            self.details, self.locations = {}, []
        else:
            # The owner's own language, unless this browser chose one.
            if self.lang_choice in LANGUAGES:
                self.lang = self.lang_choice
            else:
                self.lang = view.language
            self.link_problem = ""
            self._show(view)
        self.loaded = True

    @rx.event
    def set_note(self, value: str):
        """What the owner typed in the note, kept as typed."""
        self.note = value[: answers.NOTE_MAX]

    @rx.event
    async def respond(self, answer: str):
        """Approve or decline, by a button press only (link previewers never press)."""
        self._clear_errors()
        try:
            view = await runtime.in_session_async(
                answers.answer_by_link,
                self._token(),
                answer,
                self.note,
                ip_address=self.client_ip(),
            )
        except DomainError as exc:
            if exc.key in ("answer.closed", "answer.link_invalid"):
                self.link_problem = exc.key
            self._show_error(exc)
            return
        self._show(view)
        self.just_answered = True

    @rx.event
    def switch_language(self, lang: str):
        """Switch the page's language; the request's words follow."""
        self._switch_language(lang)

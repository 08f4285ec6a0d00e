"""An owner answering a police request from their SMS link: no password, no app."""

from __future__ import annotations

import reflex as rx

from camshare import routes, runtime
from camshare.i18n import LANGUAGES
from camshare.services.access import answers, messages
from camshare.services.access.request_texts import (
    OwnerSite,
    camera_summary,
    check_genuine,
    describe_place,
    format_moment,
    format_window,
    incident_label,
)
from camshare.services.errors import DomainError
from camshare.services.footage import links as footage_links
from camshare.services.geography.addresses import postal_address
from camshare.state.base import AppState
from camshare.state.feedback import FormFeedback, LinkProblem


class OwnerAnswerState(LinkProblem, FormFeedback, AppState):
    """The request as the owner may see it; the token stays in the URL, never in state."""

    details: dict[str, str] = {}
    locations: list[dict[str, str]] = []
    answer: str = ""
    note: str = ""
    just_answered: bool = False
    # Once approved: the owner's upload page (issue 11), "" otherwise.
    footage_path: str = ""

    def _show(self, view: answers.OwnerRequestView) -> None:
        settings = runtime.settings()
        lang = self.lang
        message = messages.shown(view.message, lang)
        sites = [OwnerSite(c.address_line, c.city, c.state, c.lat, c.lon) for c in view.locations]
        self.details = {
            "agency": settings.agency(lang),
            "case": view.case_number,
            "incident": incident_label(view.incident_type, lang),
            "emergency": "1" if view.emergency else "",
            "place": describe_place(
                view.block, lang, settings, incident=(view.lat, view.lon), sites=sites
            ),
            "window": format_window(view.window_start, view.window_end, lang, settings),
            "expires": format_moment(view.expires_at, lang, settings),
            "message": message.text,
            "own_words": message.own_words,
            "check": check_genuine(lang, settings),
            "code": view.reply_code,
        }
        self.locations = [
            {
                "address": postal_address(
                    loc.address_line,
                    loc.city or settings.default_city,
                    loc.state or settings.default_state,
                ),
                "cameras": ", ".join(
                    camera_summary(lang, kind, count, faces) for kind, count, faces in loc.cameras
                ),
            }
            for loc in view.locations
        ]
        self.answer = view.answer or ""
        self.note = view.note or ""

    async def _offer_footage(self) -> None:
        """After approving: where to send footage (the link works only while approved)."""
        self.footage_path = ""
        if self.answer != "approved":
            return
        token = await runtime.in_session_async(
            footage_links.upload_token_for_answer, runtime.settings(), self._token(), runtime.now()
        )
        self.footage_path = routes.footage_upload_path(token) if token else ""

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
            await self._offer_footage()
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
            recorded = await runtime.in_session_async(
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
        # Only what the press changed is set (and so sent): the request's details and the
        # owner's cameras stay as the page shows them.
        self.answer = recorded.answer
        self.note = recorded.note or ""
        self.footage_path = (
            routes.footage_upload_path(
                footage_links.upload_token_after_approval(runtime.settings(), recorded.recipient_id)
            )
            if recorded.answer == "approved"
            else ""
        )
        self.just_answered = True
        # The status panel replaces the buttons' place in the reading order: go there.
        return rx.call_script(
            "requestAnimationFrame(() => requestAnimationFrame("
            "() => document.getElementById('your-answer')?.focus()))"
        )

    @rx.event
    async def switch_language(self, lang: str):
        """Switch the page's language; the request's words follow (read again, in it)."""
        self._switch_language(lang)
        if self.loaded and not self.link_problem:
            try:
                view = await runtime.in_session_async(answers.open_request_link, self._token())
            except DomainError as exc:
                self.link_problem = exc.key
                return
            self._show(view)

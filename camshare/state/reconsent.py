"""An owner reading a new agreement version from their SMS link and accepting it again."""

from __future__ import annotations

from typing import Any

import reflex as rx

from camshare import runtime
from camshare.i18n import LANGUAGES
from camshare.services.errors import DomainError
from camshare.services.owners import accepting_again
from camshare.state.base import AppState
from camshare.state.feedback import FormFeedback, LinkProblem


class ReconsentState(LinkProblem, FormFeedback, AppState):
    """The new version as shown; the token stays in the URL, never in state."""

    agreement_id: int = 0
    agreement_version: str = ""
    agreement_title: str = ""
    change_summary: str = ""
    previous_version: str = ""
    agreement_summary: list[str] = []
    agreement_body: list[str] = []
    # Whether owners behind are held back until they accept (the page says so only then).
    pauses: bool = True
    typed: dict[str, str] = {"typed_name": ""}
    form_version: int = 0
    busy: bool = False
    # After accepting: the version signed, and whether the owner's own pause still holds.
    accepted_version: str = ""
    still_paused: bool = False

    def _show(self, view: accepting_again.ReconsentView) -> None:
        text = view.agreement
        self.agreement_id = text.id
        self.agreement_version = text.version
        self.agreement_title = text.title
        self.agreement_summary = list(text.summary)
        self.agreement_body = list(text.body)
        self.change_summary = view.change_summary
        self.previous_version = view.previous_version or ""

    async def _view(self, language: str | None) -> bool:
        try:
            view = await runtime.in_session_async(
                accepting_again.reconsent_view, self._token(), None, language
            )
        except DomainError as exc:
            self.link_problem = exc.key
            return False
        self.link_problem = ""
        self.lang = view.language
        self._show(view)
        return True

    @rx.event
    async def load(self):
        """Page load: show the change and the text; nothing is accepted or used here."""
        self._clear_errors()
        self.loaded = False
        self.accepted_version = ""
        self.still_paused = False
        self.pauses = runtime.settings().reconsent_pauses
        # The owner's own language, unless this browser chose one.
        chosen = self.lang_choice if self.lang_choice in LANGUAGES else None
        if not await self._view(chosen):
            self._initial_language()
        self.loaded = True

    @rx.event
    async def switch_language(self, lang: str):
        """Switch the page's language; the agreement's text follows."""
        self._switch_language(lang)
        if self.loaded and not self.link_problem and not self.accepted_version:
            await self._view(self.lang)

    @rx.event
    def remember(self, name: str, value: Any):
        """Keep the typed name when the field loses focus."""
        if name == "typed_name":
            self.typed["typed_name"] = str(value)[:200]

    @rx.event
    async def accept(self, form: dict[str, Any]):
        """Sign the text shown, by pressing the button only (link previewers never press)."""
        if self.busy or self.accepted_version:
            return
        self._clear_errors()
        typed_name = str(form.get("typed_name") or "")
        self.typed["typed_name"] = typed_name[:200]
        self.busy = True
        try:
            done = await runtime.in_session_async(
                accepting_again.accept_again,
                self._token(),
                bool(form.get("accepted")),
                typed_name,
                self.client_ip(),
                self.user_agent(),
                runtime.settings(),
                None,
                agreement_id=self.agreement_id,
            )
        except DomainError as exc:
            if exc.key == "owner.link_invalid":
                self.link_problem = exc.key
            elif exc.key == "error.agreement_changed":
                await self._view(self.lang)
                self.form_version += 1
            self._show_error(exc)
            return
        finally:
            self.busy = False
        self.accepted_version = done.version
        self.still_paused = done.status == "paused"

"""/c/<token>: an owner confirms with one tap that they still have their cameras."""

from __future__ import annotations

import reflex as rx

from camshare import runtime
from camshare.i18n import LANGUAGES, plural, translate
from camshare.services.access.request_texts import camera_summary
from camshare.services.errors import DomainError
from camshare.services.owners import reconfirmation
from camshare.state.base import AppState
from camshare.state.feedback import FormFeedback


class ReconfirmState(FormFeedback, AppState):
    """What the link's page shows; the token stays in the URL, never in state."""

    page_ready: bool = False
    link_ok: bool = False
    confirmed: bool = False
    still_held_back: bool = False
    # Each location as stored: its address and its camera rows (kind, count, faces, direction).
    sites: list[dict] = []
    camera_total: int = 0

    @rx.var
    def locations(self) -> list[dict[str, str]]:
        """Each location and its cameras in words, in the page's language."""
        return [
            {
                "address": site["address"],
                "cameras": ", ".join(
                    camera_summary(self.lang, kind, count, faces, direction)
                    for kind, count, faces, direction in site["cameras"]
                ),
            }
            for site in self.sites
        ]

    @rx.var
    def total_text(self) -> str:
        """How many cameras in all, in words."""
        return plural(self.lang, "reconfirm.total", self.camera_total)

    @rx.var
    def retention_text(self) -> str:
        """How long the registry keeps what, from this installation's settings."""
        settings = runtime.settings()
        return translate(
            self.lang,
            "retention.summary",
            request_days=settings.retention_request_details_days,
            draft_hours=settings.draft_ttl_hours,
            token_hours=settings.retention_tokens_hours,
            audit_days=settings.retention_audit_days,
        )

    @rx.event
    async def load(self):
        """Page load: show the cameras; the link is only read (previewers open links too)."""
        self._clear_errors()
        self.confirmed = self.still_held_back = False
        self.page_ready = False
        try:
            view = await runtime.in_session_async(
                reconfirmation.reconfirm_view, self._token(), runtime.now()
            )
        except DomainError:
            self._initial_language()
            self.link_ok = False
            self.sites, self.camera_total = [], 0
        else:
            self.lang = self.lang_choice if self.lang_choice in LANGUAGES else view.language
            self.link_ok = True
            self.sites = [
                {
                    "address": ", ".join(p for p in (loc.address_line, loc.unit) if p),
                    "cameras": [list(row) for row in loc.cameras],
                }
                for loc in view.locations
            ]
            self.camera_total = view.cameras
        self.page_ready = True

    @rx.event
    async def confirm(self):
        """The button: the link is used once and the registration confirmed."""
        self._clear_errors()
        try:
            done = await runtime.in_session_async(
                reconfirmation.reconfirm_cameras,
                self._token(),
                runtime.now(),
                runtime.settings(),
                self.client_ip(),
            )
        except DomainError:
            self.link_ok = False
            return
        self.confirmed = True
        self.still_held_back = done.status != "active"

    @rx.event
    def switch_language(self, lang: str):
        """Switch the page's language; the cameras' words follow."""
        self._switch_language(lang)

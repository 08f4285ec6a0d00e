"""/f/<token>: an owner who approved sends their footage (the files go over tus, not here)."""

from __future__ import annotations

import reflex as rx

from camshare import runtime
from camshare.i18n import LANGUAGES, translate
from camshare.services.access.request_texts import format_moment
from camshare.services.errors import DomainError
from camshare.services.footage import receipts
from camshare.state.base import AppState
from camshare.state.feedback import FormFeedback, LinkProblem


def size_text(size: int) -> str:
    """A byte count as people read it: 4.0 GB, 12.5 MB, 800 KB."""
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


class FootageUploadState(LinkProblem, FormFeedback, AppState):
    """The page's facts and the receipts so far; the token stays in the URL, never in state.

    No personal data: the owner's name and phone are never loaded here; a receipt is the
    file's name, size, time, hash and status.
    """

    details: dict[str, str] = {}
    receipts: list[dict[str, str]] = []

    def _show(self, page: receipts.UploadPage) -> None:
        settings = runtime.settings()
        lang = self.lang
        self.details = {
            "agency": settings.agency(lang),
            "case": page.case_number,
            "until": format_moment(page.valid_until, lang, settings),
            "max_files": str(page.max_files),
            "max_size": size_text(page.max_file_bytes),
            "max_bytes": str(page.max_file_bytes),
            "unaccepted_days": str(settings.footage_unaccepted_days),
        }
        self.receipts = [
            {
                "upload_id": r.upload_id,
                "name": r.name,
                "size": size_text(r.size_bytes),
                "received": format_moment(r.received_at, lang, settings) if r.received_at else "",
                "sha256": r.sha256 or "",
                "status": r.status,
                "refusal": translate(lang, r.refusal_reason) if r.refusal_reason else "",
                "caption": r.caption or "",
            }
            for r in page.receipts
        ]

    async def _reload(self) -> None:
        try:
            page = await runtime.in_session_async(
                receipts.open_upload_page, runtime.settings(), self._token(), runtime.now()
            )
        except DomainError as exc:
            self.link_problem = exc.key
            self.details, self.receipts = {}, []
            return None
        self.link_problem = ""
        return page

    @rx.event
    async def load(self):
        """Page load: check the link, show what it takes and the receipts so far."""
        self._clear_errors()
        self.loaded = False
        page = await self._reload()
        if page is None:
            self._initial_language()
        else:
            self.lang = self.lang_choice if self.lang_choice in LANGUAGES else page.language
            self._show(page)
        self.loaded = True

    @rx.event
    async def refresh_receipts(self):
        """A file finished in the browser: show the server's receipts again."""
        page = await self._reload()
        if page is not None:
            self._show(page)

    @rx.event
    async def switch_language(self, lang: str):
        """Switch the page's language; dates and receipts follow."""
        self._switch_language(lang)
        if self.loaded and not self.link_problem:
            page = await self._reload()
            if page is not None:
                self._show(page)

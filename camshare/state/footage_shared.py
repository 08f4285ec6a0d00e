"""The "Footage shared with you" page's state: the list, loaded after the role check."""

from __future__ import annotations

import reflex as rx

from camshare import routes, runtime
from camshare.i18n import translate
from camshare.services.access.request_texts import format_moment, incident_label
from camshare.services.footage import shared
from camshare.state.staff import StaffState, staff_event


def shared_row(entry: shared.SharedRequest, lang: str) -> dict[str, str]:
    """What the page shows of one shared request (plain strings)."""
    return {
        "id": str(entry.request_id),
        "href": routes.request_footage_path(entry.request_id),
        "case_number": entry.case_number,
        "incident": incident_label(entry.incident_type, lang),
        "status": translate(lang, f"request.status.{entry.status}"),
        "level": translate(lang, f"custody.grant.{entry.level}"),
        "granted_at": format_moment(entry.granted_at, lang, runtime.settings()),
        "files": translate(lang, "shared.files", n=entry.files),
    }


class SharedFootageState(StaffState):
    """Requests whose footage the signed-in member was added to, newest first."""

    page_ready: bool = False
    rows: list[dict[str, str]] = []

    @rx.event
    @staff_event("footage.view", page=True)
    async def load(self, actor):
        """Page load: the list, after the role check on the server."""
        found = await runtime.in_session_async(shared.shared_with, actor)
        self.rows = [shared_row(entry, self.lang) for entry in found]
        self.page_ready = True
        return None

"""Live view on the owner's request page, once they approved: which cameras, for how long;
"Stop sharing now" while a share runs. The link's token stays in the URL, never in state."""

from __future__ import annotations

import reflex as rx

from camshare import runtime
from camshare.i18n import translate
from camshare.services.access.request_texts import format_moment
from camshare.services.errors import DomainError
from camshare.services.live import overview, shares
from camshare.state.base import AppState
from camshare.state.feedback import FormFeedback

# The lengths offered, in minutes (those within CAMSHARE_LIVE_MAX_HOURS).
CHOICES = (60, 120, 240, 480, 720)


class OwnerLiveState(FormFeedback, AppState):
    """The owner's live cameras and running shares for this request."""

    cameras: list[dict[str, str]] = []
    chosen: list[str] = []
    minutes: str = "60"
    lengths: list[dict[str, str]] = []
    running: list[dict[str, str]] = []
    just_stopped: bool = False

    async def _refresh(self) -> None:
        settings = runtime.settings()
        offer = await runtime.in_session_async(
            overview.live_offer, settings, self._token(), runtime.now()
        )
        lang = self.lang
        if offer is None:
            self.cameras, self.running = [], []
            return
        self.cameras = [
            {
                "id": str(c.live_camera_id),
                "name": c.name,
                "ready": "1" if c.status == "ready" else "",
                "status": translate(lang, f"live.camera_status.{c.status}"),
            }
            for c in offer.cameras
        ]
        self.running = [
            {"name": s.camera_name, "until": format_moment(s.ends_at, lang, settings)}
            for s in offer.running
        ]
        most = offer.max_hours * 60
        values = sorted({m for m in CHOICES if m <= most} | {offer.default_minutes, most})
        self.lengths = [
            {"value": str(m), "label": translate(lang, "live.offer.hours", count=m // 60)}
            if m % 60 == 0
            else {"value": str(m), "label": translate(lang, "live.offer.minutes", count=m)}
            for m in values
        ]

    @rx.event
    async def load(self):
        """When the approval panel shows: the owner's cameras, every ready one preselected."""
        self._clear_errors()
        self.just_stopped = False
        try:
            await self._refresh()
        except DomainError:
            self.cameras, self.running = [], []
            return
        self.chosen = [c["id"] for c in self.cameras if c["ready"]]
        self.minutes = str(runtime.settings().live_default_minutes)

    @rx.event
    def toggle_camera(self, camera_id: str, checked: bool):
        """Tick or untick one camera."""
        chosen = [c for c in self.chosen if c != camera_id]
        self.chosen = [*chosen, camera_id] if checked else chosen

    @rx.event
    def set_minutes(self, value: str):
        """The length chosen."""
        self.minutes = value

    @rx.event
    async def allow(self):
        """Start live view of the chosen cameras for the chosen time (a button press only)."""
        self._clear_errors()
        try:
            await runtime.in_session_async(
                shares.start_shares,
                runtime.settings(),
                self._token(),
                [int(c) for c in self.chosen],
                int(self.minutes or 0),
                runtime.now(),
                ip_address=self.client_ip(),
            )
            await self._refresh()
        except DomainError as exc:
            self._show_error(exc)
        self.just_stopped = False

    @rx.event
    async def stop(self):
        """ "Stop sharing now": every live share of this owner ends at once."""
        self._clear_errors()
        try:
            await runtime.in_session_async(
                shares.stop_all_by_link, runtime.settings(), self._token(), runtime.now()
            )
            await self._refresh()
        except DomainError as exc:
            self._show_error(exc)
            return
        self.just_stopped = True

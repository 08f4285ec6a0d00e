"""The live tiles on a request's board: one per shared camera, for those who may watch.

Each running share's tile gets a short-lived viewer credential from the use case (the
footage rule of the request decides who), renewed by the tick well before it expires;
minutes watched and "camera offline" come with each refresh. Supervisors may end a share.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

import reflex as rx

from camshare import runtime
from camshare.i18n import translate
from camshare.routes import live_watch_path
from camshare.services.access.request_texts import format_moment
from camshare.services.errors import DomainError
from camshare.services.live import overview, shares, viewing
from camshare.services.permissions import Forbidden
from camshare.state.staff import StaffState, staff_event


class LiveBoardState(StaffState):
    """The request's live shares as tiles; credentials are per viewer and short-lived."""

    tiles: list[dict[str, str]] = []
    # share id -> (credential, expiry) (server side only: the tile gets the credential).
    _credentials: dict[int, tuple[str, float]] = {}
    # share id -> the playlist address first given to the tile (kept: a new one restarts it).
    _sources: dict[int, str] = {}

    async def _refresh(self, actor) -> None:
        now = runtime.now()
        settings = runtime.settings()
        found = await runtime.in_session_async(overview.board_tiles, actor, self._request_id(), now)
        renew_before = now + timedelta(seconds=settings.live_viewer_seconds / 2)
        lang, tiles = self.lang, []
        for tile in found:
            credential = ""
            if tile.active:
                held = self._credentials.get(tile.share_id)
                if held is None or held[1] <= renew_before.timestamp():
                    with contextlib.suppress(DomainError):
                        issued = await runtime.in_session_async(
                            viewing.issue_viewer_credential, settings, actor, tile.share_id, now
                        )
                        held = (issued.token, issued.expires_at.timestamp())
                        self._credentials[tile.share_id] = held
                credential = held[0] if held else ""
                if credential and tile.share_id not in self._sources:
                    self._sources[tile.share_id] = live_watch_path(credential)
            ending = tile.ended_at or tile.ends_at
            tiles.append(
                {
                    "id": str(tile.share_id),
                    "name": tile.camera_name,
                    "active": "1" if tile.active else "",
                    "offline": "1" if tile.offline else "",
                    "credential": credential,
                    "src": self._sources.get(tile.share_id, "") if tile.active else "",
                    "until": format_moment(ending, lang, settings),
                    "ended": translate(lang, f"live.board.ended_{tile.ended_by or 'expiry'}")
                    if not tile.active
                    else "",
                    "minutes": translate(lang, "live.board.minutes", count=tile.minutes_watched),
                    "may_end": "1" if tile.may_end else "",
                }
            )
        if tiles != self.tiles:
            self.tiles = tiles

    @rx.event
    @staff_event("live.view")
    async def load(self, actor):
        """Page load: the tiles of the request's live shares."""
        self._credentials, self._sources = {}, {}
        with contextlib.suppress(DomainError):
            await self._refresh(actor)

    @rx.event
    @staff_event("live.view")
    async def tick(self, actor):
        """Every two seconds: shares started or ended, offline cameras, renewed credentials."""
        with contextlib.suppress(DomainError):
            await self._refresh(actor)

    @rx.event
    @staff_event("live.end")
    async def end_share(self, actor, share_id: str):
        """A supervisor ends one share now; its owner is told."""
        self._clear_errors()
        try:
            await runtime.in_session_async(
                shares.end_share_by_supervisor,
                runtime.settings(),
                actor,
                int(share_id),
                runtime.now(),
            )
            await self._refresh(actor)
        except (DomainError, Forbidden, ValueError) as exc:
            if isinstance(exc, DomainError):
                self._show_error(exc)

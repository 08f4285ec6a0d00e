"""The sign-up's cameras step, and adding or removing locations."""

from __future__ import annotations

import contextlib

import reflex as rx

from camshare import runtime
from camshare.services import registration
from camshare.services.errors import DomainError
from camshare.state.join import JoinState, blank_camera


class JoinCamerasState(JoinState):
    """Camera rows as the resident fills them in; kept in the draft as they change."""

    async def _keep_cameras(self) -> None:
        """Save the rows as chosen so far, so a reload or a lost connection keeps them."""
        if self.draft_key:
            with contextlib.suppress(DomainError):
                await runtime.in_session_async(
                    registration.save_typed_cameras, self.draft_key, self.cameras
                )

    @rx.event
    async def set_camera_field(self, index: int, name: str, value: str):
        """Change one field of one camera row (validated on submit by the use case)."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(index, int) or not isinstance(value, str):
            return
        if 0 <= index < len(self.cameras) and name in blank_camera():
            rows = [dict(row) for row in self.cameras]
            rows[index][name] = value[:20]
            self.cameras = rows
            await self._keep_cameras()

    @rx.event
    async def add_camera(self):
        """Add a row for another type of camera."""
        if len(self.cameras) < registration.MAX_CAMERA_ROWS:
            self.cameras = [*self.cameras, blank_camera()]
            await self._keep_cameras()

    @rx.event
    async def remove_camera(self, index: int):
        """Remove a camera row (one always stays)."""
        if isinstance(index, int) and len(self.cameras) > 1 and 0 <= index < len(self.cameras):
            self.cameras = [row for i, row in enumerate(self.cameras) if i != index]
            self.errors = {}
            await self._keep_cameras()

    @rx.event
    async def submit_cameras(self):
        """Keep the cameras of this location; next, the agreement."""
        before = self.step
        snapshot = await self._call(registration.save_cameras, self.draft_key, self.cameras)
        await self._show(snapshot)
        if snapshot is not None:
            self.cameras = [blank_camera()]
        return self.focus_after(before)

    @rx.event
    async def add_location(self):
        """Register one more location."""
        before = self.step
        snapshot = await self._call(registration.add_another_site, self.draft_key)
        await self._show(snapshot)
        return self.focus_after(before)

    @rx.event
    async def remove_location(self, index: int):
        """Drop a location from this registration."""
        before = self.step
        snapshot = await self._call(registration.remove_site, self.draft_key, index)
        await self._show(snapshot)
        return self.focus_after(before)

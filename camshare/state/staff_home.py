"""The staff landing page's state: any signed-in staff member may land at /staff."""

from __future__ import annotations

import reflex as rx

from camshare.state.staff import StaffState, staff_event


class StaffHomeState(StaffState):
    """Any signed-in staff member may land here."""

    page_ready: bool = False

    @rx.event
    @staff_event("staff.home", page=True)
    async def load(self, actor):
        """Page load: send a signed-out visitor to sign in."""
        self.page_ready = True
        return None

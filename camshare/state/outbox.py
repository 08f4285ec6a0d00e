"""The demo SMS outbox: lists what the app would have texted. Exists only in demo mode."""

from __future__ import annotations

import reflex as rx

from camshare import runtime
from camshare.services.messaging.outbox import recent_messages
from camshare.state.base import AppState


class OutboxState(AppState):
    """Messages in the outbox, newest first."""

    enabled: bool = False
    messages: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        """Load the newest messages; refuses outside demo mode (checked on the server)."""
        self._initial_language()
        self.enabled = runtime.settings().outbox_page_enabled
        if not self.enabled:
            self.messages = []
            return
        rows = await runtime.in_session_async(recent_messages, 50)
        self.messages = [
            {
                "id": str(m.id),
                "to": m.to_e164,
                "body": m.body,
                "status": m.status,
                "purpose": m.purpose,
                "created_at": m.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            }
            for m in rows
        ]

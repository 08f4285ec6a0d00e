"""The requests list and a request's live board (recipients' states, refreshed every second).

The board's tick asks the use case whether anything changed since the version this tab
shows (kept on the server); when nothing did, no var is touched, so Reflex neither stores
the state again nor sends a delta. When something did, only the vars whose value changed
are assigned: the counts, or the shown page of rows.
"""

from __future__ import annotations

import contextlib
import logging

import reflex as rx

from camshare import runtime
from camshare.i18n import translate
from camshare.services.access import board, messages, requests
from camshare.services.access.request_texts import (
    describe_block,
    format_moment,
    format_window,
    incident_label,
)
from camshare.services.errors import DomainError
from camshare.state.staff import StaffState, staff_event

log = logging.getLogger(__name__)


def _summary_row(summary: board.RequestSummary, lang: str) -> dict[str, str]:
    settings = runtime.settings()
    return {
        "id": str(summary.request_id),
        "case_number": summary.case_number,
        "incident": incident_label(summary.incident_type, lang),
        "emergency": "1" if summary.emergency else "",
        "status": translate(lang, f"request.status.{summary.status}"),
        "status_key": summary.status,
        "created_by": summary.created_by,
        "created_at": format_moment(summary.created_at, lang, settings),
        "place": describe_block(summary.block, lang),
        "recipients": str(summary.recipients),
        "approved": str(summary.approved),
    }


class RequestListState(StaffState):
    """Requests the signed-in member may see, newest first."""

    page_ready: bool = False
    rows: list[dict[str, str]] = []
    waiting: int = 0

    @rx.event
    @staff_event("request.view", page=True)
    async def load(self, actor):
        """Page load: the list, after the role check."""
        listed = await runtime.in_session_async(board.request_list, actor)
        self.waiting = listed.waiting
        self.rows = [_summary_row(s, self.lang) for s in listed.requests]
        self.page_ready = True
        return None


class BoardState(StaffState):
    """One request's board; approved owners' details only when asked for, each time audited."""

    page_ready: bool = False
    info: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    counts: dict[str, int] = {}
    can_approve: bool = False
    can_close: bool = False
    # The shown page of recipients (0-based) and how many pages there are.
    page: int = 0
    pages: int = 1
    # recipient id -> name, phone, note: shown only after a press, never sent otherwise.
    contacts: dict[str, dict[str, str]] = {}
    decision_note: str = ""
    # The version of the board this tab shows (server side only).
    _version: str = ""

    def _set(self, name: str, value) -> None:
        # Assigning a var marks it changed even to an equal value: a delta and a store.
        if getattr(self, name) != value:
            setattr(self, name, value)

    async def _refresh(self, actor, since: str | None = None) -> None:
        """Show the board; with ``since``, only if it changed since that version."""
        if since is None:
            result = await runtime.in_session_async(
                board.request_board, actor, self._request_id(), page=self.page
            )
        else:
            result = await runtime.in_session_async(
                board.board_update, actor, self._request_id(), since, self.page
            )
            if result is None:
                return
        self._version = result.version
        settings = runtime.settings()
        lang = self.lang
        summary = result.summary
        message = messages.shown(result.message, lang)
        self._set(
            "info",
            {
                **_summary_row(summary, lang),
                "window": format_window(result.window_start, result.window_end, lang, settings),
                "expires_at": format_moment(summary.expires_at, lang, settings)
                if summary.expires_at
                else "",
                "radius_m": str(summary.radius_m),
                "message": message.text,
                "own_words": message.own_words,
                "reply_code": result.reply_code,
                "decision_note": result.decision_note or "",
            },
        )
        self._set(
            "rows",
            [
                {
                    "id": str(row.recipient_id),
                    "state": row.state,
                    "state_label": translate(lang, f"recipient.{row.state}"),
                    "distance": str(row.distance_m),
                    "locations": str(row.locations),
                    "cameras": str(row.cameras),
                }
                for row in result.rows
            ],
        )
        self._set(
            "counts",
            {
                **{state: result.count(state) for state in board.RECIPIENT_STATES},
                "opened": result.opened,
                "total": result.counts.total,
            },
        )
        self._set("page", result.page)
        self._set("pages", result.pages)
        self._set("can_approve", result.can_approve)
        self._set("can_close", result.can_close)

    async def _with_actor(self, actor, work=None):
        try:
            if work is not None:
                await work(actor)
            await self._refresh(actor)
        except DomainError as exc:
            self._show_error(exc)
        self._set("page_ready", True)
        return None

    @rx.event
    @staff_event("request.view", page=True)
    async def load(self, actor):
        """Page load: the board, after the role check."""
        self.contacts = {}
        return await self._with_actor(actor)

    @rx.event
    @staff_event("request.view")
    async def tick(self, actor):
        """Every second while the board is open: the recipients' new states."""
        if not self.page_ready or self.forbidden:
            return None
        try:
            await self._refresh(actor, since=self._version)
        except DomainError:
            log.debug("board refresh refused", exc_info=True)
        return None

    @rx.event
    @staff_event("request.view")
    async def show_page(self, actor, page: int):
        """Another page of recipients (nearest first)."""
        with contextlib.suppress(TypeError, ValueError):
            self.page = max(0, int(page))
        return await self._with_actor(actor)

    @rx.event
    @staff_event("request.approve")
    async def approve(self, actor):
        """A supervisor approves: the SMS go out."""
        self._clear_errors()

        async def work(actor):
            await runtime.in_session_async(
                requests.approve_request, actor, self._request_id(), runtime.settings()
            )

        return await self._with_actor(actor, work)

    @rx.event
    async def set_decision_note(self, value: str):
        """What the supervisor typed as the reason for turning a request down."""
        self.decision_note = value[:500]

    @rx.event
    @staff_event("request.approve")
    async def reject(self, actor):
        """A supervisor turns the request down, with the reason typed."""
        self._clear_errors()
        note = self.decision_note

        async def work(actor):
            await runtime.in_session_async(requests.reject_request, actor, self._request_id(), note)

        return await self._with_actor(actor, work)

    @rx.event
    @staff_event("request.close")
    async def close(self, actor):
        """Close the request now: links stop working, answers are refused."""
        self._clear_errors()

        async def work(actor):
            await runtime.in_session_async(requests.close_request, actor, self._request_id())

        return await self._with_actor(actor, work)

    @rx.event
    @staff_event("owner.reveal")
    async def reveal(self, actor, recipient_id: str):
        """Show an approving owner's name, phone and note; the view is audited."""
        self._clear_errors()

        async def work(actor):
            contact = await runtime.in_session_async(
                board.reveal_owner, actor, self._request_id(), int(recipient_id)
            )
            self.contacts[recipient_id] = {
                "name": contact.name
                + (f" ({contact.business_name})" if contact.business_name else ""),
                "phone": contact.phone_e164,
                "phone_display": contact.phone_display or contact.phone_e164,
                "note": contact.note or "",
            }

        return await self._with_actor(actor, work)

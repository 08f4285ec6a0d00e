"""The audit log for admins: filters, a page of events newest first, next and previous."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx

from camshare import runtime
from camshare.services.audit import browsing as audit_log
from camshare.services.errors import DomainError, ValidationFailed
from camshare.state.staff import StaffState, staff_event

FIELDS = ("action", "actor", "date_from", "date_to")
PAGE_SIZE = 50


def _local_midnight(value: str, timezone: str) -> datetime | None:
    """A date input's value ("2026-05-04") as the start of that day in the agency's zone."""
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        return None
    return datetime.combine(day, time(0, 0), tzinfo=ZoneInfo(timezone))


def _row(row: audit_log.AuditRow, timezone: str) -> dict[str, str]:
    at = row.at.astimezone(ZoneInfo(timezone))
    detail = {k: v for k, v in row.detail.items() if v is not None}
    return {
        "id": str(row.id),
        "at": f"{at:%Y-%m-%d %H:%M:%S}",
        "actor": row.actor,
        "action": row.action,
        "subject": row.subject or "",
        "ip": row.ip_address or "",
        "detail": json.dumps(
            detail, ensure_ascii=False, separators=(", ", ": "), sort_keys=True, default=str
        )
        if detail
        else "",
    }


class StaffAuditState(StaffState):
    """The filters as typed, the page shown and how to get back to the newer pages."""

    page_ready: bool = False
    typed: dict[str, str] = {}
    # The filters of the page shown (next/previous keep them, whatever is typed since).
    applied: dict[str, str] = {}
    form_version: int = 0
    actions: list[str] = []
    rows: list[dict[str, str]] = []
    # Paging: 0 means the newest page; ``newer`` keeps the before-ids of the pages passed.
    before_id: int = 0
    next_before_id: int = 0
    newer: list[int] = []

    @rx.event
    @staff_event("audit.view", page=True)
    async def load(self, actor):
        """Page load: the role check on the server, then the newest events."""
        if not self.typed:
            self.typed = dict.fromkeys(FIELDS, "")
            self.form_version += 1
        self.actions = await runtime.in_session_async(audit_log.audit_actions, actor)
        self.before_id, self.newer = 0, []
        self.applied = dict(self.typed)
        try:
            await self._search(actor)
        except DomainError as exc:
            self.applied = dict.fromkeys(FIELDS, "")
            self._show_error(exc)
            await self._search(actor)
        self.page_ready = True
        return None

    def _keep(self, name: str, value: Any) -> None:
        if name in FIELDS:
            self.typed[name] = str(value)[:64]

    @rx.event
    def remember(self, name: str, value: Any):
        """Keep what was typed in a filter when it loses focus or changes."""
        self._keep(name, value)

    def _filters(self) -> dict[str, Any]:
        timezone = runtime.settings().timezone
        typed = self.applied
        errors: dict[str, str] = {}
        since = until = None
        if typed.get("date_from", "").strip():
            since = _local_midnight(typed["date_from"], timezone)
            if since is None:
                errors["date_from"] = "audit.date_invalid"
        if typed.get("date_to", "").strip():
            end = _local_midnight(typed["date_to"], timezone)
            if end is None:
                errors["date_to"] = "audit.date_invalid"
            else:
                # The "to" day is included: up to the start of the next local day.
                until = datetime.combine(
                    end.date() + timedelta(days=1), time(0, 0), tzinfo=end.tzinfo
                )
        if since and until and since >= until:
            errors["date_to"] = "audit.date_order"
        if errors:
            raise ValidationFailed(errors)
        return {
            "action": typed.get("action") or None,
            "actor_contains": typed.get("actor") or None,
            "since": since,
            "until": until,
        }

    async def _search(self, actor) -> None:
        page = await runtime.in_session_async(
            audit_log.search_audit,
            actor,
            **self._filters(),
            before_id=self.before_id or None,
            limit=PAGE_SIZE,
        )
        timezone = runtime.settings().timezone
        self.rows = [_row(r, timezone) for r in page.rows]
        self.next_before_id = page.next_before_id or 0

    async def _move(self, actor, move) -> Any:
        self._clear_errors()
        saved = (self.before_id, list(self.newer), dict(self.applied))
        move()
        try:
            await self._search(actor)
        except DomainError as exc:
            self.before_id, self.newer, self.applied = saved
            self._show_error(exc)
        return None

    @rx.event
    @staff_event("audit.view")
    async def search(self, actor, form: dict[str, Any] | None = None):
        """Apply the filters typed, from the newest matching event."""
        for name, value in (form or {}).items():
            self._keep(name, value)

        def move():
            self.before_id, self.newer = 0, []
            self.applied = dict(self.typed)

        return await self._move(actor, move)

    @rx.event
    @staff_event("audit.view")
    async def older(self, actor):
        """The next page: older events."""
        if not self.next_before_id:
            return None

        def move():
            self.newer = [*self.newer, self.before_id]
            self.before_id = self.next_before_id

        return await self._move(actor, move)

    @rx.event
    @staff_event("audit.view")
    async def newer_page(self, actor):
        """The previous page: newer events."""
        if not self.newer:
            return None

        def move():
            self.before_id = self.newer[-1]
            self.newer = self.newer[:-1]

        return await self._move(actor, move)

"""The outreach sign-up dashboard: a date range and a campaign in, the funnel and charts out."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import reflex as rx

from camshare import routes, runtime
from camshare.i18n import translate
from camshare.services.errors import DomainError
from camshare.services.outreach import signup_figures
from camshare.state.staff import StaffState, staff_event

FIELDS = ("since", "until", "campaign")


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class DashboardState(StaffState):
    """The figures for the chosen dates and campaign (what was typed stays on error)."""

    page_ready: bool = False
    typed: dict[str, str] = {}
    form_version: int = 0
    choices: list[dict[str, str]] = []
    funnel: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    days: list[dict[str, str]] = []
    zips: list[dict[str, str]] = []
    points: list[dict[str, str]] = []
    # The filters the figures on screen were computed with (the exports use the same).
    shown: dict[str, str] = {}

    @rx.var
    def csv_links(self) -> dict[str, str]:
        """Each table's CSV export, with the filters of the figures on screen."""
        return {
            table: f"{routes.DASHBOARD_CSV}?{urlencode({**self.shown, 'table': table})}"
            for table in signup_figures.CSV_TABLES
        }

    @rx.event
    @staff_event("dashboard.view", page=True)
    async def load(self, actor):
        """Page load: the role check, then the last 30 days for every campaign."""
        if not self.typed:
            today = datetime.now(ZoneInfo(runtime.settings().timezone)).date()
            self.typed = {
                "since": (today - timedelta(days=29)).isoformat(),
                "until": today.isoformat(),
                "campaign": signup_figures.ALL,
            }
            self.form_version += 1
        await self._show(actor)
        self.page_ready = True
        return None

    @rx.event
    def remember(self, name: str, value: Any):
        """Keep a filter as chosen."""
        if name in FIELDS:
            self.typed[name] = str(value)

    @rx.event
    @staff_event("dashboard.view")
    async def apply(self, actor):
        """Show the figures for the filters chosen."""
        return await self._perform(actor, self._show)

    async def _show(self, actor) -> None:
        settings, typed, lang = runtime.settings(), dict(self.typed), self.lang
        try:
            page = await runtime.in_session_async(
                signup_figures.dashboard_page,
                actor,
                _day(typed.get("since", "")),
                _day(typed.get("until", "")),
                settings,
                typed.get("campaign") or signup_figures.ALL,
            )
        except DomainError as exc:
            self._show_error(exc)
            return
        board = page.figures
        self.choices = [
            {"value": str(c.id), "label": f"{c.name} ({c.code})"} for c in page.campaigns
        ]
        self.shown = {
            "since": board.since.isoformat(),
            "until": board.until.isoformat(),
            "campaign": board.campaign,
        }
        self.funnel = [
            {
                "step": translate(lang, f"dashboard.step.{step}"),
                "count": str(count),
                "lost": "" if lost is None else f"{lost:g} %",
                "width": str(round(100 * count / board.total.scans)) if board.total.scans else "0",
            }
            for step, count, lost in board.total.steps()
        ]
        direct = translate(lang, "dashboard.direct")
        self.rows = [
            {
                "campaign": f"{row.name} ({row.code})" if row.code else direct,
                **{
                    k: str(getattr(row.funnel, k))
                    for k in signup_figures.Funnel.__dataclass_fields__
                },
            }
            for row in board.campaigns
        ]
        most = max((n for _, n in board.per_day), default=0)
        self.days = [
            {"day": day.isoformat(), "count": str(n), "width": str(round(100 * n / most))}
            for day, n in board.per_day
        ]
        self.zips = [
            {"zip": z or "—", "locations": str(n), "cameras": str(c)} for z, n, c in board.by_zip
        ]
        self.points = [{"lat": str(lat), "lon": str(lon)} for lat, lon in board.points]

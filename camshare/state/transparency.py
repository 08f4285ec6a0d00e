"""The public transparency page: cached figures, written out in the page's language.

The figures come from one process-wide cache (``runtime.transparency_figures``), so a
crowd of anonymous visitors costs one computation every few minutes. ``present`` turns them into
plain strings; it never sees a count under 5, only None, which reads "fewer than 5".
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta
from typing import Any

import reflex as rx

from camshare import runtime
from camshare.i18n import plural, translate
from camshare.services.access.request_texts import format_moment, incident_label, local
from camshare.services.public.transparency import (
    MonthRequests,
    PublicFigures,
    RequestGroup,
)
from camshare.settings import Settings
from camshare.state.base import AppState

log = logging.getLogger(__name__)


def count_text(n: int | None, lang: str) -> str:
    """A published count: "fewer than 5" for a hidden one, else the number (1,234)."""
    return translate(lang, "transparency.fewer_than_5") if n is None else f"{n:,}"


def month_label(month: date, lang: str, *, capitalize: bool = True) -> str:
    """ "November 2026" / "noviembre de 2026", capitalised to start a table cell."""
    text = translate(
        lang,
        "transparency.month_year",
        month=translate(lang, f"transparency.month_{month.month}"),
        year=month.year,
    )
    return text[:1].upper() + text[1:] if capitalize else text


def day_label(moment: datetime, lang: str, settings: Settings) -> str:
    """A local date as people there write it: 11/24/2026 or 24/11/2026."""
    day = local(moment, settings)
    if lang == "es":
        return f"{day.day}/{day.month}/{day.year}"
    return f"{day.month}/{day.day}/{day.year}"


def duration_text(span: timedelta, lang: str) -> str:
    """ "2 hours 15 minutes" / "2 horas y 15 minutos", to the nearest minute."""
    minutes = round(span.total_seconds() / 60)
    if minutes < 1:
        return translate(lang, "transparency.under_a_minute")
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return plural(lang, "transparency.minutes", minutes)
    if not minutes:
        return plural(lang, "transparency.hours", hours)
    return translate(
        lang,
        "transparency.hours_minutes",
        hours=plural(lang, "transparency.hours", hours),
        minutes=plural(lang, "transparency.minutes", minutes),
    )


def _share(percent: int | None, lang: str) -> dict[str, str]:
    if percent is None:
        return {
            "share": translate(lang, "transparency.not_shown"),
            "share_sr": translate(lang, "transparency.not_shown_sr"),
        }
    text = translate(lang, "transparency.percent", n=percent)
    return {"share": text, "share_sr": text}


def _group_rows(month: str, group: RequestGroup, lang: str) -> list[dict[str, str]]:
    kind = "emergencies" if group.emergency else "incidents"
    rows = [
        {
            "month": month,
            "label": translate(lang, f"transparency.all_{kind}"),
            "requests": count_text(group.requests, lang),
            "kind": "group",
        }
    ]
    for row in group.by_type:
        label = (
            translate(lang, f"transparency.other_{kind}")
            if row.incident_type is None
            else incident_label(row.incident_type, lang)
        )
        rows.append(
            {
                "month": month,
                "label": label,
                "requests": count_text(row.requests, lang),
                "kind": "type",
            }
        )
    return rows


def _type_name(incident_type: str | None, lang: str) -> str:
    if incident_type is None:
        return translate(lang, "transparency.live_other")
    return incident_label(incident_type, lang)


def _month_rows(month: MonthRequests, lang: str) -> list[dict[str, str]]:
    label = month_label(month.month, lang)
    if month.incidents.requests == 0 and month.emergencies.requests == 0:
        no_requests = translate(lang, "transparency.no_requests")
        return [{"month": label, "label": no_requests, "requests": "0", "kind": "empty"}]
    return _group_rows(label, month.incidents, lang) + _group_rows(label, month.emergencies, lang)


def present(figures: PublicFigures, lang: str, settings: Settings) -> dict[str, Any]:
    """The page's variables, every figure written out in ``lang``."""
    registrations, answers = figures.registrations, figures.answers
    agreement = figures.agreement_in(lang)
    median = answers.median_to_answer
    return {
        "as_of": translate(
            lang, "transparency.as_of", time=format_moment(figures.as_of, lang, settings)
        ),
        "period_lead": translate(
            lang,
            "transparency.requests_lead",
            since=month_label(figures.since, lang, capitalize=False),
            until=month_label(figures.months[0].month, lang, capitalize=False),
        ),
        "totals": [
            {"label": translate(lang, f"transparency.{key}"), "value": count_text(value, lang)}
            for key, value in (
                ("locations", registrations.locations),
                ("cameras", registrations.cameras),
                ("owners", registrations.owners),
            )
        ],
        "zip_rows": [
            {
                "zip": row.zip_code or translate(lang, "transparency.zip_other"),
                "locations": count_text(row.locations, lang),
                "cameras": count_text(row.cameras, lang),
            }
            for row in figures.by_zip
        ],
        "month_rows": [row for month in figures.months for row in _month_rows(month, lang)],
        "footage_rows": [
            {
                "month": month_label(row.month, lang),
                "received": count_text(row.received, lang),
                "accepted": count_text(row.accepted, lang),
            }
            for row in figures.footage
        ],
        "live_rows": [
            {
                "month": month_label(row.month, lang),
                "shares": count_text(row.shares.requests, lang),
                "types": ", ".join(
                    f"{_type_name(t.incident_type, lang)}: {count_text(t.requests, lang)}"
                    for t in row.shares.by_type
                ),
                "hours": translate(lang, "transparency.fewer_than_5")
                if row.hours_watched is None
                else f"{row.hours_watched:,.1f}",
            }
            for row in figures.live
        ],
        "rejected": count_text(figures.rejected, lang),
        "answer_rows": [
            {
                "answer": translate(lang, f"transparency.{key}"),
                "key": key,
                "owners": count_text(count, lang),
                **_share(percent, lang),
            }
            for key, count, percent in (
                ("approved", answers.approved, answers.approved_percent),
                ("declined", answers.declined, answers.declined_percent),
                ("no_answer", answers.no_answer, answers.no_answer_percent),
            )
        ],
        "awaiting": count_text(answers.awaiting, lang),
        "median": translate(lang, "transparency.not_shown")
        if median is None
        else duration_text(median, lang),
        "median_sr": translate(lang, "transparency.not_shown_sr")
        if median is None
        else duration_text(median, lang),
        "has_agreement": agreement is not None,
        "agreement_title": agreement.title if agreement else "",
        "agreement_version": translate(
            lang,
            "transparency.agreement_version",
            version=agreement.version,
            date=day_label(_published(figures, agreement.version), lang, settings),
        )
        if agreement
        else "",
        "agreement_summary": list(agreement.summary) if agreement else [],
        "agreement_body": list(agreement.body) if agreement else [],
        "history": [
            {
                "version": change.version,
                "published": day_label(change.published_at, lang, settings),
                "changes": change.change_summary(lang)
                or translate(lang, "transparency.first_version"),
            }
            for change in figures.agreement_history
        ],
    }


def _published(figures: PublicFigures, version: str) -> datetime:
    """When ``version`` was first published (any language)."""
    for change in figures.agreement_history:
        if change.version == version:
            return change.published_at
    return figures.as_of


class TransparencyState(AppState):
    """The transparency page's figures, as text in the page's language."""

    ready: bool = False
    failed: bool = False
    as_of: str = ""
    period_lead: str = ""
    totals: list[dict[str, str]] = []
    zip_rows: list[dict[str, str]] = []
    month_rows: list[dict[str, str]] = []
    footage_rows: list[dict[str, str]] = []
    live_rows: list[dict[str, str]] = []
    rejected: str = ""
    answer_rows: list[dict[str, str]] = []
    awaiting: str = ""
    median: str = ""
    median_sr: str = ""
    has_agreement: bool = False
    agreement_title: str = ""
    agreement_version: str = ""
    agreement_summary: list[str] = []
    agreement_body: list[str] = []
    history: list[dict[str, str]] = []

    @rx.event
    async def load(self):
        """Page load: the language, then the (cached) figures."""
        self._initial_language()
        await self._show()

    @rx.event
    async def switch(self, lang: str):
        """The language switch: the same figures, written again in ``lang``."""
        self._switch_language(lang)
        await self._show()

    async def _show(self) -> None:
        try:
            # A thread: a visitor waiting for the cache's lock never holds up the event loop.
            figures = await asyncio.to_thread(runtime.transparency_figures())
        except Exception:
            log.exception("transparency figures failed")
            self.failed = True
            return
        for name, value in present(figures, self.lang, runtime.settings()).items():
            setattr(self, name, value)
        self.failed, self.ready = False, True

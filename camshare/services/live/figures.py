"""Live view in the public figures: shares started per month by incident type, and hours
watched (the transparency page pools and suppresses small counts, as for the rest)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AccessRequest, LiveShare, LiveViewing
from camshare.services.live.viewing import watched_seconds


@dataclass(frozen=True)
class LiveMonth:
    """One month of the agency's calendar: shares started by incident type, seconds watched."""

    month: date
    by_type: Counter[str]
    seconds_watched: float


def live_by_month(
    session: Session, months: list[date], since: datetime, now: datetime, zone: ZoneInfo
) -> tuple[LiveMonth, ...]:
    """For each of ``months``: shares started then, and viewing they had (by share month)."""

    def month_of(at: datetime) -> date:
        local = at.astimezone(zone)
        return date(local.year, local.month, 1)

    shares = session.execute(
        select(LiveShare.id, LiveShare.starts_at, AccessRequest.incident_type)
        .join(AccessRequest, AccessRequest.id == LiveShare.request_id)
        .where(LiveShare.starts_at >= since, LiveShare.starts_at <= now)
    ).all()
    month_by_share = {share_id: month_of(at) for share_id, at, _ in shares}
    by_type: dict[date, Counter[str]] = {}
    for share_id, _at, incident_type in shares:
        by_type.setdefault(month_by_share[share_id], Counter())[incident_type] += 1
    seconds: Counter[date] = Counter()
    for share_id, started, seen, ended in session.execute(
        select(
            LiveViewing.share_id,
            LiveViewing.started_at,
            LiveViewing.last_seen_at,
            LiveViewing.ended_at,
        ).where(LiveViewing.share_id.in_(list(month_by_share)))
    ):
        seconds[month_by_share[share_id]] += watched_seconds(started, seen, ended)
    return tuple(LiveMonth(m, by_type.get(m, Counter()), seconds[m]) for m in months)

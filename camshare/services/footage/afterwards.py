"""What an owner sees afterwards of the footage they sent, and the public monthly counts.

For each file: accepted or declined, how many times and by which role it was viewed or
downloaded, and when it will be (or was) deleted, all read from the one audit log.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from camshare.models import AccessRequest, AuditEvent, FootageFile

# The owner sees their files from the moment they are complete (refused ones with why).
OWNER_SEES = ("received", "refused", "accepted", "declined", "deleted")


@dataclass(frozen=True)
class OwnerFile:
    """One file the owner sent, and what happened to it."""

    file_id: int
    incident_type: str
    original_name: str
    size_bytes: int
    received_at: datetime | None
    sha256: str | None
    status: str
    refusal_reason: str | None
    # (role, times), most first.
    views: tuple[tuple[str, int], ...]
    downloads: tuple[tuple[str, int], ...]
    delete_after: datetime | None
    deleted_at: datetime | None


def owner_footage(session: Session, owner_id: int) -> tuple[OwnerFile, ...]:
    """The signed-in owner's files, newest first."""
    rows = session.execute(
        select(FootageFile, AccessRequest.incident_type)
        .join(AccessRequest, AccessRequest.id == FootageFile.request_id)
        .where(FootageFile.owner_id == owner_id, FootageFile.status.in_(OWNER_SEES))
        .order_by(FootageFile.id.desc())
    ).all()
    subjects = {f"footage:{file.id}": file.id for file, _ in rows}
    seen: dict[tuple[int, str], Counter] = {}
    for subject, action, detail in session.execute(
        select(AuditEvent.subject, AuditEvent.action, AuditEvent.detail).where(
            AuditEvent.subject.in_(subjects),
            AuditEvent.action.in_(("footage.viewed", "footage.downloaded")),
        )
    ):
        counter = seen.setdefault((subjects[subject], action), Counter())
        counter[(detail or {}).get("role", "police")] += 1

    def tally(file_id: int, action: str) -> tuple[tuple[str, int], ...]:
        return tuple(seen.get((file_id, action), Counter()).most_common())

    return tuple(
        OwnerFile(
            file.id,
            incident,
            file.original_name,
            file.size_bytes,
            file.received_at,
            file.sha256,
            file.status,
            file.refusal_reason,
            tally(file.id, "footage.viewed"),
            tally(file.id, "footage.downloaded"),
            file.delete_after,
            file.deleted_at,
        )
        for file, incident in rows
    )


@dataclass(frozen=True)
class FootageMonth:
    """Files received and files accepted into evidence in one month (raw counts)."""

    month: date
    received: int
    accepted: int


def footage_by_month(
    session: Session, months: list[date], since: datetime, now: datetime, zone: ZoneInfo
) -> tuple[FootageMonth, ...]:
    """For each of ``months`` (the agency's calendar), files received and accepted.

    Received: complete and not refused. Accepted: in the month it was first accepted,
    even if deleted since (the log keeps the acceptance; the row keeps no history).
    """

    def month_of(at: datetime) -> date:
        local = at.astimezone(zone)
        return date(local.year, local.month, 1)

    received = Counter(
        month_of(at)
        for (at,) in session.execute(
            select(FootageFile.received_at).where(
                FootageFile.received_at >= since,
                FootageFile.received_at <= now,
                FootageFile.status != "refused",
            )
        )
    )
    first_accepted = session.execute(
        select(AuditEvent.subject, func.min(AuditEvent.at))
        .where(AuditEvent.action == "footage.accepted")
        .group_by(AuditEvent.subject)
    ).all()
    accepted = Counter(month_of(at) for _subject, at in first_accepted if since <= at <= now)
    return tuple(FootageMonth(m, received[m], accepted[m]) for m in months)

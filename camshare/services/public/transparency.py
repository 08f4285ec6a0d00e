"""The public transparency figures: aggregates only, small counts hidden, cached for minutes.

Everything on the public page at /transparency comes from ``public_figures``; nothing there
names a person, an address or a point. The page needs no sign-in, so the figures are
computed at most once every few minutes per process (``cached_public_figures``).

What is counted
---------------
* **Registrations** (now, not over a period): the *active* registrations, by the same rule
  as a police search (``services.access.nearby``): the location and its owner are active,
  the owner's phone is verified, they have not texted STOP (which pauses a registration)
  and at least one of their consents stands. Paused, withdrawn and unverified ones are not
  counted. Cameras are the sum of each camera row's ``count`` at those locations; owners are
  the people with at least one such location. ZIP codes are the location's, cut to their
  5 digits; a missing or malformed one counts as "other".
* **Requests** over the last ``MONTHS`` months in the agency's time zone (the current month
  included): requests *sent* to owners, by the local month of ``sent_at``, split into
  criminal incidents and emergencies (the flag stored on each request, so a later change of
  settings does not rewrite history), then by incident type. Requests turned down by a
  supervisor are counted apart (by the date of the decision). Requests their author
  withdrew before approval, and those still waiting for a supervisor, reached nobody and
  are not counted.
* **Answers** of the owners asked by the requests sent in that period: *approved* and
  *declined* are each owner's current answer (an owner may change it until the request
  closes); *no answer* is an owner without an answer on a request that is closed (by hand
  or at expiry), as on the request's board; *awaiting* is an owner without an answer on a
  request still open. Shares are of approved + declined + no answer; awaiting owners are
  counted apart, outside the shares. The median time to an answer runs from the request's
  sending to the owner's latest answer.

Small counts
------------
Any count from 1 to 4 is published as "fewer than 5" (``suppress`` gives None); 0 is
published as 0 (an empty cell names nobody, and hiding it would make "fewer than 5" mean
"0 to 4" for no benefit). Figures derived from counts follow them: a share is shown only
when its base and every count of its split are shown (otherwise share times base would
give the hidden count back); a median is shown only when it is taken over at least 5
answers. ``None`` in a share or a median means "not shown" (the page's "—").

Differencing (working a hidden count out from shown ones) is prevented by construction:

* A breakdown published next to its total never lists a small row: rows under 5 are
  pooled into one "other" row, and when that pool would itself be 1-4, the smallest listed
  row joins it, until the pool is 0 or at least 5 (``_pool``). Every listed figure is then
  exact and at least 5 and the rows add up to the total, so there is nothing to subtract.
  Only a total under 5 shows "fewer than 5", and then its breakdown is that one pooled row.
  This holds for the ZIP codes (rows of the registration totals) and for each month's
  incident types (rows of the month's criminal incidents, and of its emergencies).
* No total over hidden figures is published: there is no all-months total of requests
  (a quiet month's "fewer than 5" would be the total minus the other months), and no month
  total over its two groups (criminal incidents and emergencies are each complete, so the
  total would give a small group back).
* The answer counts publish no base beside them, and their shares only when all are shown.

What remains: comparing the page at two moments shows what changed in between (a ZIP code
going from 6 to 7 locations tells someone there joined). That is in the nature of any
published count; the few minutes of caching blur the moment, nothing more.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from camshare.i18n import LANGUAGES
from camshare.models import (
    AccessRecipient,
    AccessRequest,
    AgreementVersion,
    Camera,
    Owner,
    Site,
    utcnow,
)
from camshare.services.agreements.texts import AgreementText, current_agreement
from camshare.services.footage.afterwards import footage_by_month
from camshare.services.live.figures import live_by_month
from camshare.settings import Settings

SMALL = 5
MONTHS = 12
CACHE_SECONDS = 300
_ZIP5 = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")

K = TypeVar("K", bound=Hashable)


def suppress(n: int) -> int | None:
    """``n`` when it may be published: None ("fewer than 5") for 1 to 4.

    0 stays 0 (it names nobody) and 5 or more stay as they are. Every count the service
    hands out passes through here, so the page cannot show a small number.
    """
    if n < 0:
        raise ValueError(f"a count cannot be negative: {n}")
    return None if 0 < n < SMALL else n


# --- the figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Registrations:
    """Active registrations now (None: fewer than 5)."""

    locations: int | None
    cameras: int | None
    owners: int | None


@dataclass(frozen=True)
class ZipRow:
    """Locations and cameras in one ZIP code; ``zip_code`` None is the pooled "other" row."""

    zip_code: str | None
    locations: int | None
    cameras: int | None


@dataclass(frozen=True)
class TypeRow:
    """Requests of one incident type; ``incident_type`` None is the pooled "other" row."""

    incident_type: str | None
    requests: int | None


@dataclass(frozen=True)
class RequestGroup:
    """One month's requests of one kind (criminal incidents, or emergencies).

    ``by_type`` lists the incident types (then the pooled row), adding up to ``requests``;
    it is empty when there were none, and one pooled row when there were fewer than 5.
    """

    emergency: bool
    requests: int | None
    by_type: tuple[TypeRow, ...]


@dataclass(frozen=True)
class MonthRequests:
    """The requests sent in one month of the agency's calendar."""

    month: date
    incidents: RequestGroup
    emergencies: RequestGroup


@dataclass(frozen=True)
class FootageCounts:
    """Footage files received and accepted into evidence in one month (None: fewer than 5)."""

    month: date
    received: int | None
    accepted: int | None


@dataclass(frozen=True)
class LiveCounts:
    """Live shares started in one month, by incident type (pooled as the requests are), and
    the hours they were watched (None when the month's shares are fewer than 5)."""

    month: date
    shares: RequestGroup
    hours_watched: float | None


@dataclass(frozen=True)
class Answers:
    """Owners' answers to the requests sent in the period (counts None: fewer than 5).

    Percentages (whole numbers) are of approved + declined + no answer; None means not shown.
    ``median_to_answer`` is None when fewer than 5 owners answered.
    """

    approved: int | None
    declined: int | None
    no_answer: int | None
    awaiting: int | None
    approved_percent: int | None
    declined_percent: int | None
    no_answer_percent: int | None
    median_to_answer: timedelta | None


@dataclass(frozen=True)
class AgreementChange:
    """One version of the agreement: when it was first published and what it changed."""

    version: str
    published_at: datetime
    # (language, change summary) for each language that gave one.
    change_summaries: tuple[tuple[str, str], ...]

    def change_summary(self, language: str) -> str | None:
        """What changed, in ``language`` (else English, else the first given)."""
        summaries = dict(self.change_summaries)
        for lang in (language, "en"):
            if summaries.get(lang):
                return summaries[lang]
        return next(iter(summaries.values()), None)


@dataclass(frozen=True)
class PublicFigures:
    """Everything the transparency page shows, as of ``as_of``."""

    as_of: datetime
    # The first day of the oldest month counted (local calendar).
    since: date
    registrations: Registrations
    by_zip: tuple[ZipRow, ...]
    # Newest month first; every month of the period, those without requests included.
    months: tuple[MonthRequests, ...]
    rejected: int | None
    answers: Answers
    # The current version in each language it is published in.
    agreements: tuple[AgreementText, ...]
    # Every version, newest first.
    agreement_history: tuple[AgreementChange, ...]
    # Newest month first, like ``months``: footage files received and accepted.
    footage: tuple[FootageCounts, ...] = ()
    # Newest month first: live shares and the hours they were watched.
    live: tuple[LiveCounts, ...] = ()

    def agreement_in(self, language: str) -> AgreementText | None:
        """The current agreement in ``language``, else in English, else any."""
        by_language = {a.language: a for a in self.agreements}
        for lang in (language, "en"):
            if lang in by_language:
                return by_language[lang]
        return self.agreements[0] if self.agreements else None


def public_figures(
    session: Session, settings: Settings, now: datetime | None = None
) -> PublicFigures:
    """The transparency figures now: see the module's docstring for what is counted."""
    now = now or utcnow()
    zone = ZoneInfo(settings.timezone)
    months = _last_months(now.astimezone(zone).date(), MONTHS)
    since = datetime.combine(months[-1], datetime.min.time(), zone)
    registrations, by_zip = _registrations(session)
    return PublicFigures(
        as_of=now,
        since=months[-1],
        registrations=registrations,
        by_zip=by_zip,
        months=_requests_by_month(session, months, since, now, zone),
        rejected=suppress(_rejected(session, since, now)),
        answers=_answers(session, since, now),
        agreements=_current_agreements(session),
        agreement_history=_agreement_history(session),
        footage=tuple(
            FootageCounts(m.month, suppress(m.received), suppress(m.accepted))
            for m in footage_by_month(session, months, since, now, zone)
        ),
        live=tuple(_live(m) for m in live_by_month(session, months, since, now, zone)),
    )


def _live(month) -> LiveCounts:
    shares = _group(False, month.by_type)
    shown = shares.requests is not None
    hours = round(month.seconds_watched / 3600, 1) if shown else None
    return LiveCounts(month.month, shares, hours)


# --- registrations ---------------------------------------------------------------------------

# Registrations that count are those police may ask today: the answer the radius search
# reads too, kept on the site by services/may_be_asked.py.
_ACTIVE = (Site.may_be_asked,)


def _registrations(session: Session) -> tuple[Registrations, tuple[ZipRow, ...]]:
    cameras = (
        select(Camera.site_id, func.sum(Camera.count).label("cameras"))
        .group_by(Camera.site_id)
        .subquery()
    )
    rows = session.execute(
        select(Site.zip_code, func.count(Site.id), func.coalesce(func.sum(cameras.c.cameras), 0))
        .join(Owner, Owner.id == Site.owner_id)
        .outerjoin(cameras, cameras.c.site_id == Site.id)
        .where(*_ACTIVE)
        .group_by(Site.zip_code)
    ).all()
    owners = session.scalar(
        select(func.count(distinct(Site.owner_id)))
        .join(Owner, Owner.id == Site.owner_id)
        .where(*_ACTIVE)
    )
    by_zip: Counter[str | None] = Counter()
    camera_count: Counter[str | None] = Counter()
    for zip_code, locations, camera_total in rows:
        match = _ZIP5.match(zip_code or "")
        key = match.group(1) if match else None
        by_zip[key] += int(locations)
        camera_count[key] += int(camera_total)
    totals = (sum(by_zip.values()), sum(camera_count.values()))
    # The unknown ZIP code is never a row of its own: it starts in the pool.
    known = {key: (by_zip[key], camera_count[key]) for key in by_zip if key is not None}
    listed, pool = _pool(known, start=(by_zip[None], camera_count[None]))
    zip_rows = [ZipRow(key, suppress(loc), suppress(cam)) for key, (loc, cam) in listed]
    if any(pool):
        zip_rows.append(ZipRow(None, suppress(pool[0]), suppress(pool[1])))
    registrations = Registrations(
        suppress(totals[0]), suppress(totals[1]), suppress(int(owners or 0))
    )
    return registrations, tuple(zip_rows)


def _pool(
    counts: Mapping[K, tuple[int, ...]], start: tuple[int, ...]
) -> tuple[list[tuple[K, tuple[int, ...]]], tuple[int, ...]]:
    """Rows that may be listed by name, largest first, and the sums of the rest.

    A row with any count from 1 to 4 goes to the pool; while the pool has a count from 1 to
    4, the smallest listed row joins it. Listed counts are then at least 5 (or 0) and the
    pool's are 0 or at least 5, unless everything is in the pool (the total is small).
    """
    pool = list(start)
    listed = []
    for key, values in counts.items():
        if any(0 < v < SMALL for v in values):
            pool = [p + v for p, v in zip(pool, values, strict=True)]
        elif any(values):
            listed.append((key, values))
    listed.sort(key=lambda row: (-row[1][0], str(row[0])))
    while listed and any(0 < p < SMALL for p in pool):
        _, values = listed.pop()
        pool = [p + v for p, v in zip(pool, values, strict=True)]
    return listed, tuple(pool)


# --- requests --------------------------------------------------------------------------------


def _last_months(today: date, count: int) -> list[date]:
    """The first days of the ``count`` months up to ``today``'s, newest first."""
    year, month = today.year, today.month
    firsts = []
    for _ in range(count):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts


def _requests_by_month(
    session: Session, months: list[date], since: datetime, now: datetime, zone: ZoneInfo
) -> tuple[MonthRequests, ...]:
    rows = session.execute(
        select(AccessRequest.sent_at, AccessRequest.incident_type, AccessRequest.emergency).where(
            AccessRequest.sent_at.is_not(None),
            AccessRequest.sent_at >= since,
            AccessRequest.sent_at <= now,
        )
    ).all()
    counts: dict[tuple[date, bool], Counter[str]] = {}
    for sent_at, incident_type, emergency in rows:
        local = sent_at.astimezone(zone)
        month = date(local.year, local.month, 1)
        counts.setdefault((month, bool(emergency)), Counter())[incident_type] += 1
    return tuple(
        MonthRequests(
            month,
            _group(False, counts.get((month, False), Counter())),
            _group(True, counts.get((month, True), Counter())),
        )
        for month in months
    )


def _group(emergency: bool, by_type: Counter[str]) -> RequestGroup:
    listed, (pooled,) = _pool({kind: (n,) for kind, n in by_type.items()}, start=(0,))
    rows = [TypeRow(kind, suppress(n)) for kind, (n,) in listed]
    if pooled:
        rows.append(TypeRow(None, suppress(pooled)))
    return RequestGroup(emergency, suppress(sum(by_type.values())), tuple(rows))


def _rejected(session: Session, since: datetime, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count(AccessRequest.id)).where(
                AccessRequest.status == "rejected",
                AccessRequest.decided_at >= since,
                AccessRequest.decided_at <= now,
            )
        )
        or 0
    )


def _answers(session: Session, since: datetime, now: datetime) -> Answers:
    sent_in_period = (
        AccessRequest.sent_at.is_not(None),
        AccessRequest.sent_at >= since,
        AccessRequest.sent_at <= now,
    )
    tally: Counter[str] = Counter()
    for answer, status, n in session.execute(
        select(AccessRecipient.answer, AccessRequest.status, func.count(AccessRecipient.id))
        .join(AccessRequest, AccessRequest.id == AccessRecipient.request_id)
        .where(*sent_in_period)
        .group_by(AccessRecipient.answer, AccessRequest.status)
    ):
        if answer in ("approved", "declined"):
            tally[answer] += n
        elif status == "closed":
            tally["no_answer"] += n
        else:
            tally["awaiting"] += n
    waits = [
        (answered_at - sent_at).total_seconds()
        for answered_at, sent_at in session.execute(
            select(AccessRecipient.answered_at, AccessRequest.sent_at)
            .join(AccessRequest, AccessRequest.id == AccessRecipient.request_id)
            .where(*sent_in_period, AccessRecipient.answer.in_(("approved", "declined")))
            .where(AccessRecipient.answered_at.is_not(None))
        )
    ]
    split = ("approved", "declined", "no_answer")
    base = sum(tally[kind] for kind in split)
    shown = base >= SMALL and all(suppress(tally[kind]) is not None for kind in split)
    percent = {kind: _percent(tally[kind], base) if shown else None for kind in split}
    median = timedelta(seconds=round(statistics.median(waits))) if len(waits) >= SMALL else None
    return Answers(
        approved=suppress(tally["approved"]),
        declined=suppress(tally["declined"]),
        no_answer=suppress(tally["no_answer"]),
        awaiting=suppress(tally["awaiting"]),
        approved_percent=percent["approved"],
        declined_percent=percent["declined"],
        no_answer_percent=percent["no_answer"],
        median_to_answer=median,
    )


def _percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` in whole percent, halves rounded up."""
    return (200 * part + whole) // (2 * whole)


# --- the agreement ---------------------------------------------------------------------------


def _current_agreements(session: Session) -> tuple[AgreementText, ...]:
    found = (current_agreement(session, lang) for lang in LANGUAGES)
    # current_agreement falls back to English; only each language's own text is kept here.
    return tuple(
        agreement
        for lang, agreement in zip(LANGUAGES, found, strict=True)
        if agreement is not None and agreement.language == lang
    )


def _agreement_history(session: Session) -> tuple[AgreementChange, ...]:
    versions: dict[str, tuple[datetime, list[tuple[str, str]]]] = {}
    for version, language, published_at, change in session.execute(
        select(
            AgreementVersion.version,
            AgreementVersion.language,
            AgreementVersion.published_at,
            AgreementVersion.change_summary,
        ).order_by(AgreementVersion.published_at, AgreementVersion.id)
    ):
        first, changes = versions.setdefault(version, (published_at, []))
        versions[version] = (min(first, published_at), changes)
        if change and change.strip():
            changes.append((language, change.strip()))
    history = [
        AgreementChange(version, published_at, tuple(changes))
        for version, (published_at, changes) in versions.items()
    ]
    history.sort(key=lambda change: (change.published_at, change.version), reverse=True)
    return tuple(history)


# --- the cache -------------------------------------------------------------------------------


class FiguresCache:
    """The last figures computed, served until they are ``ttl_seconds`` old.

    One lock: when the copy is stale, the first caller computes while the others wait and
    then get the same new copy (one database round per TTL, however many visitors). A
    failed computation caches nothing and raises; the next caller tries again.
    """

    def __init__(
        self,
        compute: Callable[[], PublicFigures],
        ttl_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._compute = compute
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        # (figures, when their computation started): one attribute, so read in one step.
        self._entry: tuple[PublicFigures, float] | None = None

    def __call__(self) -> PublicFigures:
        """The figures, computed now if the cached copy is missing or too old."""
        value = self._fresh()
        if value is not None:
            return value
        with self._lock:
            value = self._fresh()  # someone else may have computed it while we waited
            if value is None:
                started = self._clock()
                value = self._compute()
                self._entry = (value, started)
            return value

    def _fresh(self) -> PublicFigures | None:
        entry = self._entry
        if entry is not None and self._clock() - entry[1] < self._ttl:
            return entry[0]
        return None


def cached_public_figures(
    compute: Callable[[], PublicFigures],
    ttl_seconds: float = CACHE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> FiguresCache:
    """A process-wide cache of ``compute()`` (figures from a fresh session), TTL only.

    ``compute`` takes no argument: it opens its own session, as the composition root's
    ``runtime.transparency_figures`` does. ``clock`` is for tests (seconds, monotonic).
    """
    return FiguresCache(compute, ttl_seconds, clock)

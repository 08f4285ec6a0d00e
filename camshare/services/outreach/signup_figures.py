"""The outreach sign-up dashboard: which campaigns bring registrations, and where people stop.

A visit of a join URL is one "scan". Each visit keeps how far its sign-up went (started:
contact details saved; verified: phone proved; completed: registered), so the funnel is
counted by cohort: of the scans in the chosen dates, how many went on to each step,
whenever they did. Locations and cameras are those of the owners those scans registered.
No figure here names a person; only the admins' registrations export does.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from camshare.models import Camera, Campaign, CampaignVisit, Owner, Site
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.outreach.campaigns import CampaignSummary, list_campaigns_for_staff
from camshare.services.outreach.csv_export import SafeWriter
from camshare.services.permissions import Actor, authorize
from camshare.settings import Settings

# The dashboard's campaign filter: a campaign's id, "all", or visits without a campaign.
ALL, DIRECT = "all", "direct"
MAX_DAYS = 731
CSV_TABLES = ("campaigns", "days", "zips", "registrations")


@dataclass(frozen=True)
class Funnel:
    """Scans and how many of them reached each later step."""

    scans: int
    started: int
    verified: int
    completed: int
    locations: int
    cameras: int

    def steps(self) -> list[tuple[str, int, float | None]]:
        """(step, count, share lost since the step before) for the funnel chart."""
        counts = [
            ("scans", self.scans),
            ("started", self.started),
            ("verified", self.verified),
            ("completed", self.completed),
        ]
        result = []
        for index, (step, count) in enumerate(counts):
            before = counts[index - 1][1] if index else None
            lost = None if not before else round(100 * (before - count) / before, 1)
            result.append((step, count, lost))
        return result


@dataclass(frozen=True)
class CampaignRow:
    """One campaign's funnel (campaign_id None: visits of /join without a campaign)."""

    campaign_id: int | None
    code: str
    name: str
    funnel: Funnel


@dataclass(frozen=True)
class SignupDashboard:
    """Everything the dashboard shows for one choice of dates and campaign."""

    since: date
    until: date
    campaign: str
    total: Funnel
    campaigns: tuple[CampaignRow, ...]
    per_day: tuple[tuple[date, int], ...]
    by_zip: tuple[tuple[str, int, int], ...]
    points: tuple[tuple[float, float], ...]


def check_range(since: date | None, until: date | None) -> tuple[date, date]:
    """The dates as given, or a refusal naming the field at fault."""
    if since is None:
        raise DomainError("dashboard.error.since", field="since")
    if until is None:
        raise DomainError("dashboard.error.until", field="until")
    if until < since:
        raise DomainError("dashboard.error.order", field="until")
    if (until - since).days > MAX_DAYS:
        raise DomainError("dashboard.error.too_long", field="until", days=MAX_DAYS)
    return since, until


def _bounds(since: date, until: date, settings: Settings) -> tuple[datetime, datetime]:
    zone = ZoneInfo(settings.timezone)
    start = datetime.combine(since, time.min, zone)
    end = datetime.combine(until + timedelta(days=1), time.min, zone)
    return start, end


def _visits(since: date, until: date, campaign: str, settings: Settings) -> Select:
    start, end = _bounds(since, until, settings)
    query = select(CampaignVisit).where(
        CampaignVisit.visited_at >= start, CampaignVisit.visited_at < end
    )
    if campaign == DIRECT:
        query = query.where(CampaignVisit.campaign_id.is_(None))
    elif campaign != ALL:
        query = query.where(CampaignVisit.campaign_id == int(campaign))
    return query


def _registered_sites(visits) -> Select:
    """Active sites of the owners the chosen visits registered, with their campaign."""
    return (
        select(Site, visits.c.campaign_id)
        .join(visits, visits.c.owner_id == Site.owner_id)
        .where(visits.c.completed_at.is_not(None), Site.status == "active")
        .distinct()
    )


def signup_dashboard(
    session: Session,
    actor: Actor,
    since: date | None,
    until: date | None,
    settings: Settings,
    campaign: str = ALL,
) -> SignupDashboard:
    """The funnel per campaign and in total, sign-ups per day and ZIP code, the map's points."""
    authorize(actor, "dashboard.view")
    since, until = check_range(since, until)
    visits = _visits(since, until, campaign, settings).subquery()
    counts = session.execute(
        select(
            visits.c.campaign_id,
            func.count(),
            func.count(visits.c.started_at),
            func.count(visits.c.verified_at),
            func.count(visits.c.completed_at),
        ).group_by(visits.c.campaign_id)
    ).all()
    sites = session.execute(_registered_sites(visits)).all()
    site_ids = [site.id for site, _ in sites]
    cameras_at = dict(
        session.execute(
            select(Camera.site_id, func.sum(Camera.count))
            .where(Camera.site_id.in_(site_ids))
            .group_by(Camera.site_id)
        ).all()
    )
    located: dict[int | None, tuple[int, int]] = {}
    zips: dict[str, list[int]] = {}
    for site, campaign_id in sites:
        n_sites, n_cameras = located.get(campaign_id, (0, 0))
        located[campaign_id] = (n_sites + 1, n_cameras + int(cameras_at.get(site.id, 0)))
        row = zips.setdefault(site.zip_code or "", [0, 0])
        row[0] += 1
        row[1] += int(cameras_at.get(site.id, 0))
    names = {
        c.id: (c.code, c.name)
        for c in session.scalars(
            select(Campaign).where(Campaign.id.in_([row[0] for row in counts if row[0]]))
        )
    }
    rows = []
    for campaign_id, scans, started, verified, completed in counts:
        code, name = names.get(campaign_id, ("", "")) if campaign_id else ("", "")
        n_sites, n_cameras = located.get(campaign_id, (0, 0))
        funnel = Funnel(scans, started, verified, completed, n_sites, n_cameras)
        rows.append(CampaignRow(campaign_id, code, name, funnel))
    rows.sort(key=lambda r: (-r.funnel.completed, -r.funnel.scans, r.code))
    total = Funnel(*(sum(getattr(r.funnel, f) for r in rows) for f in Funnel.__dataclass_fields__))
    zone = ZoneInfo(settings.timezone)
    days: dict[date, int] = {}
    for (completed_at,) in session.execute(
        select(visits.c.completed_at).where(visits.c.completed_at.is_not(None))
    ):
        day = completed_at.astimezone(zone).date()
        days[day] = days.get(day, 0) + 1
    return SignupDashboard(
        since=since,
        until=until,
        campaign=campaign,
        total=total,
        campaigns=tuple(rows),
        per_day=tuple(sorted(days.items())),
        by_zip=tuple(
            sorted(((z, n, c) for z, (n, c) in zips.items()), key=lambda r: (-r[1], r[0]))
        ),
        # Points only: rounded to about 10 m, with nothing that says whose they are.
        points=tuple((round(site.lat, 4), round(site.lon, 4)) for site, _ in sites),
    )


def dashboard_csv(
    session: Session,
    actor: Actor,
    table: str,
    since: date | None,
    until: date | None,
    settings: Settings,
    campaign: str = ALL,
) -> str:
    """One of the dashboard's tables as CSV, with the same filters; every export is audited.

    "registrations" lists the people registered (names, phones, addresses): admins only.
    """
    if table not in CSV_TABLES:
        raise DomainError("dashboard.error.table")
    if table == "registrations":
        authorize(actor, "dashboard.export_personal")
    dashboard = signup_dashboard(session, actor, since, until, settings, campaign)
    out = io.StringIO()
    writer = SafeWriter(out)  # names and addresses are typed by the public
    if table == "campaigns":
        writer.writerow(
            [
                "campaign_code",
                "campaign",
                "scans",
                "started",
                "verified",
                "completed",
                "locations",
                "cameras",
            ]
        )
        for row in [*dashboard.campaigns, CampaignRow(None, "TOTAL", "", dashboard.total)]:
            f = row.funnel
            code = row.code or "direct"
            writer.writerow(
                [
                    code,
                    row.name,
                    f.scans,
                    f.started,
                    f.verified,
                    f.completed,
                    f.locations,
                    f.cameras,
                ]
            )
    elif table == "days":
        writer.writerow(["date", "completed"])
        writer.writerows((day.isoformat(), n) for day, n in dashboard.per_day)
    elif table == "zips":
        writer.writerow(["zip_code", "locations", "cameras"])
        writer.writerows(dashboard.by_zip)
    else:
        _registrations(session, writer, since, until, settings, campaign)
    audit.record(
        session,
        actor.audit_name,
        "dashboard.exported",
        ip_address=actor.ip_address,
        table=table,
        since=dashboard.since.isoformat(),
        until=dashboard.until.isoformat(),
        campaign=campaign,
        rows=out.getvalue().count("\n") - 1,
    )
    return out.getvalue()


def _registrations(session, writer, since, until, settings, campaign) -> None:
    visits = _visits(since, until, campaign, settings).subquery()
    rows = session.execute(
        select(Owner, Site, visits.c.completed_at, Campaign.code)
        .join(visits, visits.c.owner_id == Owner.id)
        .join(Site, Site.owner_id == Owner.id)
        .outerjoin(Campaign, Campaign.id == visits.c.campaign_id)
        .where(visits.c.completed_at.is_not(None), Site.status == "active")
        .order_by(visits.c.completed_at, Owner.id, Site.id)
    ).all()
    writer.writerow(
        [
            "registered_at",
            "campaign_code",
            "name",
            "business",
            "phone",
            "email",
            "address",
            "zip_code",
            "language",
        ]
    )
    zone = ZoneInfo(settings.timezone)
    for owner, site, completed_at, code in rows:
        writer.writerow(
            [
                completed_at.astimezone(zone).isoformat(timespec="minutes"),
                code or "direct",
                owner.full_name,
                owner.business_name or "",
                owner.phone_e164,
                owner.email or "",
                site.address_line,
                site.zip_code or "",
                owner.language,
            ]
        )


@dataclass(frozen=True)
class DashboardPage:
    """The dashboard: the figures asked for, and every campaign (archived too) to filter by."""

    figures: SignupDashboard
    campaigns: tuple[CampaignSummary, ...]


def dashboard_page(
    session: Session,
    actor: Actor,
    since: date | None,
    until: date | None,
    settings: Settings,
    campaign: str = ALL,
) -> DashboardPage:
    """What the dashboard shows (``signup_dashboard``, then the campaigns for its filter)."""
    figures = signup_dashboard(session, actor, since, until, settings, campaign)
    return DashboardPage(figures, tuple(list_campaigns_for_staff(session, actor, settings, True)))

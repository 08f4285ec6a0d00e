"""The outreach dashboard: funnel counts from real sign-ups, including people who stop at
each step; the CSV export matching the dashboard; who may see and export what."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from camshare.models import AuditEvent, Campaign
from camshare.services import registration
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.outreach import signup_figures
from camshare.services.outreach.campaigns import (
    campaigns_page,
    create_campaign,
    save_campaign,
    set_archived,
)
from camshare.services.permissions import Forbidden
from tests.support.access_builders import staff
from tests.unit.builders import clock, walk_to


@pytest.fixture
def outreach(session):
    return staff(session, "outreach")


@pytest.fixture
def campaigns(session, settings):
    park = create_campaign(session, settings.public_base_url, "Fair Park fair", code="PARKFR")
    elm = create_campaign(session, settings.public_base_url, "Elm St walk", code="EASTSD")
    return park, elm


def person(session, settings, step, campaign_code, n, **extra):
    """Someone who opened the campaign's link and stopped before ``step``."""
    return walk_to(
        session,
        settings,
        step,
        campaign_code=campaign_code,
        phone=f"(214) 555-{n:04d}",
        ip_address=f"203.0.113.{n}",
        **extra,
    )


@pytest.fixture
def scenario(session, settings, campaigns):
    """PARKFR: stops at each step (6 scans); EASTSD: 1 registration; 1 direct visit."""
    for n, step in enumerate(
        ["contact", "location", "cameras", "verify", "verified", "done", "done"], start=10
    ):
        person(session, settings, step, "PARKFR", n)
    person(session, settings, "done", "EASTSD", 30)
    registration.open_draft(session, None, None, "en", now=clock())
    session.flush()
    return campaigns


def today(settings):
    return clock().astimezone(ZoneInfo(settings.timezone)).date()


def test_the_funnel_counts_who_stopped_at_each_step(session, settings, outreach, scenario):
    day = today(settings)
    board = signup_figures.signup_dashboard(session, outreach, day, day, settings)
    rows = {row.code or "direct": row.funnel for row in board.campaigns}
    park = rows["PARKFR"]
    assert (park.scans, park.started, park.verified, park.completed) == (7, 6, 3, 2)
    assert (park.locations, park.cameras) == (2, 6)
    assert (rows["EASTSD"].scans, rows["EASTSD"].completed) == (1, 1)
    assert (rows["direct"].scans, rows["direct"].started) == (1, 0)
    assert board.total.scans == 9
    assert board.total.completed == 3
    steps = park.steps()
    assert [s for s, _, _ in steps] == ["scans", "started", "verified", "completed"]
    assert steps[2] == ("verified", 3, 50.0)
    assert board.per_day == ((day, 3),)
    assert board.by_zip == (("75201", 3, 9),)
    assert len(board.points) == 3


def test_abandoned_drafts_still_count_after_they_are_purged(session, settings, outreach, scenario):
    registration.purge_expired_drafts(session, now=clock() + timedelta(days=2))
    day = today(settings)
    park = next(
        r.funnel
        for r in signup_figures.signup_dashboard(session, outreach, day, day, settings).campaigns
        if r.code == "PARKFR"
    )
    assert (park.scans, park.started, park.verified, park.completed) == (7, 6, 3, 2)


def test_the_date_range_and_campaign_filter(session, settings, outreach, scenario):
    day = today(settings)
    yesterday = day - timedelta(days=1)
    assert (
        signup_figures.signup_dashboard(
            session, outreach, yesterday, yesterday, settings
        ).total.scans
        == 0
    )
    park_id = session.scalar(select(Campaign.id).where(Campaign.code == "PARKFR"))
    only = signup_figures.signup_dashboard(session, outreach, day, day, settings, str(park_id))
    assert [r.code for r in only.campaigns] == ["PARKFR"]
    direct = signup_figures.signup_dashboard(
        session, outreach, day, day, settings, signup_figures.DIRECT
    )
    assert direct.total.scans == 1
    with pytest.raises(DomainError, match="order"):
        signup_figures.signup_dashboard(session, outreach, day, yesterday, settings)


def test_the_csv_matches_the_dashboard(session, settings, outreach, scenario):
    day = today(settings)
    board = signup_figures.signup_dashboard(session, outreach, day, day, settings)
    table = list(
        csv.DictReader(
            io.StringIO(
                signup_figures.dashboard_csv(session, outreach, "campaigns", day, day, settings)
            )
        )
    )
    for row in board.campaigns:
        line = next(r for r in table if r["campaign_code"] == (row.code or "direct"))
        assert [
            int(line[k])
            for k in ("scans", "started", "verified", "completed", "locations", "cameras")
        ] == [
            row.funnel.scans,
            row.funnel.started,
            row.funnel.verified,
            row.funnel.completed,
            row.funnel.locations,
            row.funnel.cameras,
        ]
    assert table[-1]["campaign_code"] == "TOTAL"
    assert int(table[-1]["scans"]) == board.total.scans
    days = list(
        csv.reader(
            io.StringIO(signup_figures.dashboard_csv(session, outreach, "days", day, day, settings))
        )
    )
    assert days[1:] == [[d.isoformat(), str(n)] for d, n in board.per_day]
    # Aggregates never name anyone.
    assert "555" not in signup_figures.dashboard_csv(session, outreach, "zips", day, day, settings)


def test_personal_data_is_exported_to_admins_only_and_every_export_is_audited(
    session, settings, outreach, scenario
):
    day = today(settings)
    for role in ("outreach", "supervisor", "police"):
        with pytest.raises(Forbidden):
            signup_figures.dashboard_csv(
                session, staff(session, role), "registrations", day, day, settings
            )
    admin = staff(session, "admin")
    text = signup_figures.dashboard_csv(session, admin, "registrations", day, day, settings)
    assert "+1214555" in text
    assert "PARKFR" in text
    exports = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "dashboard.exported").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor, e.detail["table"]) for e in exports] == [(admin.audit_name, "registrations")]


@pytest.mark.parametrize("role", ["admin", "supervisor", "police", "outreach"])
def test_who_may_see_the_dashboard_and_manage_campaigns(session, settings, role):
    actor = staff(session, role)
    day = today(settings)
    values = {"name": "Library day", "kind": "community_event", "flyer_language": "both"}
    if role == "police":
        with pytest.raises(Forbidden):
            signup_figures.signup_dashboard(session, actor, day, day, settings)
    else:
        signup_figures.signup_dashboard(session, actor, day, day, settings)
    if role in ("admin", "outreach"):
        view = save_campaign(session, actor, values, settings)
        set_archived(session, actor, view.id, True)
    else:
        with pytest.raises(Forbidden):
            save_campaign(session, actor, values, settings)


def test_a_campaign_form_names_each_wrong_field(session, settings, outreach):
    with pytest.raises(ValidationFailed) as refused:
        save_campaign(
            session,
            outreach,
            {
                "name": "",
                "kind": "party",
                "event_date": "12/05",
                "zip_code": "7520",
                "flyer_language": "fr",
                "responsible_id": "999",
            },
            settings,
        )
    assert set(refused.value.errors) == {
        "name",
        "kind",
        "event_date",
        "zip_code",
        "flyer_language",
        "responsible_id",
    }


def test_a_campaign_keeps_its_code_when_edited(session, settings, outreach):
    values = {
        "name": "Library day",
        "kind": "community_event",
        "flyer_language": "en",
        "responsible_id": str(outreach.user_id),
        "zip_code": "75215",
    }
    view = save_campaign(session, outreach, values, settings)
    changed = save_campaign(
        session, outreach, {**values, "name": "Library days"}, settings, view.id
    )
    assert changed.code == view.code
    assert changed.name == "Library days"
    assert changed.join_url.endswith(f"/join/{view.code}")
    for ch in "01OIL":
        assert ch not in view.code


FORMULA = '=HYPERLINK("http://x","y")'


def test_no_export_cell_can_run_as_a_formula_in_a_spreadsheet(session, settings, outreach):
    """OWASP's rule: a cell starting with = + - @ tab or CR gets a leading quote."""
    create_campaign(session, settings.public_base_url, "@SUM(1+1)*cmd|' /C calc'!A0", code="EVXCAP")
    person(
        session,
        settings,
        "done",
        "EVXCAP",
        40,
        full_name=FORMULA,
        owner_kind="business",
        business_name="+1+cmd|' /C calc'!A0",
    )
    session.flush()
    day = today(settings)
    admin = staff(session, "admin")

    cells = []
    for table in signup_figures.CSV_TABLES:
        actor = admin if table == "registrations" else outreach
        text = signup_figures.dashboard_csv(session, actor, table, day, day, settings)
        cells += [cell for row in csv.reader(io.StringIO(text)) for cell in row]

    assert "'" + FORMULA in cells
    assert "'+1+cmd|' /C calc'!A0" in cells
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in cells
    assert "+12145550040" in cells  # a plain number is no formula: phones stay as they are
    risky = [c for c in cells if c[:1] in {"=", "+", "-", "@", "\t", "\r"}]
    assert all(c.lstrip("+-").isdigit() for c in risky), risky


def test_the_dashboard_page_brings_the_figures_and_every_campaign(
    session, settings, outreach, scenario
):
    day = today(settings)
    _park, elm = scenario
    set_archived(session, outreach, elm.id, True)
    page = signup_figures.dashboard_page(session, outreach, day, day, settings)
    assert page.figures == signup_figures.signup_dashboard(session, outreach, day, day, settings)
    assert {c.code for c in page.campaigns} == {"PARKFR", "EASTSD"}  # the archived one too
    with pytest.raises(DomainError, match="order"):
        signup_figures.dashboard_page(session, outreach, day, day - timedelta(days=1), settings)
    with pytest.raises(Forbidden):
        signup_figures.dashboard_page(session, staff(session, "police"), day, day, settings)


def test_the_campaigns_page_lists_campaigns_and_who_may_run_them(
    session, settings, outreach, campaigns
):
    _park, elm = campaigns
    set_archived(session, outreach, elm.id, True)
    shown = campaigns_page(session, outreach, settings)
    assert [c.code for c in shown.campaigns] == ["PARKFR"]
    assert outreach.user_id in [user_id for user_id, _name in shown.responsible]
    police = staff(session, "police")
    assert police.user_id not in [user_id for user_id, _name in shown.responsible]
    everything = campaigns_page(session, outreach, settings, include_archived=True)
    assert {c.code for c in everything.campaigns} == {"PARKFR", "EASTSD"}
    with pytest.raises(Forbidden):
        campaigns_page(session, police, settings)

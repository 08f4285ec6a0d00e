"""The dashboard's CSV downloads over HTTP: the signed-in staff member's role decides."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from camshare.models import AuditEvent
from tests.integration.conftest import sign_in

PATH = "/api/dashboard.csv"
QUERY = {"since": "2026-01-01", "until": "2026-12-31", "campaign": "all"}


def get(client, token: str | None, **params):
    if token:
        client.cookies.set("camshare_staff", token)
    else:
        client.cookies.clear()
    return client.get(PATH, params={**QUERY, **params})


@pytest.mark.parametrize("role", ["outreach", "supervisor", "admin"])
def test_dashboard_roles_download_the_aggregate_tables(client, factory, role):
    token, _ = sign_in(factory, role)
    for table in ("campaigns", "days", "zips"):
        response = get(client, token, table=table)
        assert response.status_code == 200, table
        assert response.headers["content-type"].startswith("text/csv")
        assert "attachment" in response.headers["content-disposition"]
        assert response.headers["cache-control"] == "private, no-store"
    with factory() as session:
        exported = session.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "dashboard.exported")
        ).all()
    assert [d["table"] for d in exported] == ["campaigns", "days", "zips"]


def test_the_registrations_with_personal_data_are_for_admins_only(client, factory):
    outreach, _ = sign_in(factory, "outreach")
    assert get(client, outreach, table="registrations").status_code == 403
    admin, _ = sign_in(factory, "admin")
    response = get(client, admin, table="registrations")
    assert response.status_code == 200
    assert response.text.lstrip("\ufeff").startswith("registered_at,campaign_code,name")


def test_police_and_strangers_get_nothing(client, factory):
    police, _ = sign_in(factory, "police")
    assert get(client, police, table="campaigns").status_code == 403
    assert get(client, None, table="campaigns").status_code == 401
    half, _ = sign_in(factory, "admin", signed_in=False)
    assert get(client, half, table="campaigns").status_code == 401


def test_bad_dates_and_tables_are_refused_clearly(client, factory):
    token, _ = sign_in(factory, "outreach")
    assert get(client, token, table="campaigns", since="yesterday").status_code == 400
    assert get(client, token, table="secrets").status_code == 400
    assert (
        get(client, token, table="campaigns", since="2026-12-31", until="2026-01-01").status_code
        == 400
    )

"""Behind reverse proxies, the audit log records the client's address, not a proxy's."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from camshare.models import AuditEvent
from camshare.routes import campaign_file_path
from camshare.settings import get_settings
from tests.integration.conftest import sign_in
from tests.integration.test_flyer_downloads import DOWNLOADED, new_campaign

CLIENT = "203.0.113.7"


def downloaded_from(factory) -> list[str | None]:
    with factory() as session:
        return list(
            session.scalars(select(AuditEvent.ip_address).where(AuditEvent.action == DOWNLOADED))
        )


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "recorded"),
    [
        # A client's own claim first, then what each of our proxies appended.
        (1, f"6.6.6.6, {CLIENT}", CLIENT),
        (2, f"6.6.6.6, {CLIENT}, 10.0.0.2", CLIENT),
        (3, f"{CLIENT}, 10.0.0.3, 10.0.0.2", CLIENT),
        # No proxy trusted: whatever the client claims is ignored.
        (0, CLIENT, "testclient"),
    ],
)
def test_a_download_behind_n_proxies_records_the_clients_address(
    client, factory, monkeypatch, hops, forwarded_for, recorded
):
    monkeypatch.setenv("CAMSHARE_TRUSTED_PROXY_HOPS", str(hops))
    get_settings.cache_clear()
    new_campaign(factory, "HEXA26")
    token, _ = sign_in(factory, "outreach")
    client.cookies.set("camshare_staff", token)

    response = client.get(
        campaign_file_path("HEXA26", "qr.png"), headers={"X-Forwarded-For": forwarded_for}
    )

    assert response.status_code == 200
    assert downloaded_from(factory) == [recorded]

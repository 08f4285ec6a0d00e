"""Behind reverse proxies, a footage view and a footage download are audited with the
client's address (``CAMSHARE_TRUSTED_PROXY_HOPS``), never a proxy's or a forged one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from camshare import runtime
from camshare.client_address import headers_client_ip
from camshare.models import AuditEvent
from camshare.routes import footage_link_path
from camshare.services.footage import viewing
from camshare.services.staff.sessions import resolve_session
from camshare.settings import get_settings
from tests.integration.conftest import sign_in
from tests.support.custody_builders import MemoryStorage, footage_request, received_file

CLIENT = "203.0.113.7"
PROXY = "10.0.0.2"


@pytest.fixture
def kept(client, factory, monkeypatch, tmp_path, settings):
    """One received file of a request, its bytes in the configured local footage folder."""
    monkeypatch.setenv("CAMSHARE_FOOTAGE_DIR", str(tmp_path / "footage"))
    runtime.footage_storage.cache_clear()
    memory = MemoryStorage()
    with factory() as session, session.begin():
        cast = footage_request(session, settings)
        file = received_file(session, memory, cast.request_id)
    for key, data in memory.objects.items():
        (tmp_path / "object").write_bytes(data)
        runtime.footage_storage().put_file(key, tmp_path / "object")
    yield file.id
    runtime.footage_storage.cache_clear()


def audited(factory, action: str) -> list[str | None]:
    with factory() as session:
        return list(
            session.scalars(select(AuditEvent.ip_address).where(AuditEvent.action == action))
        )


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "recorded"),
    [
        (1, f"6.6.6.6, {CLIENT}", CLIENT),
        (2, f"6.6.6.6, {CLIENT}, {PROXY}", CLIENT),
        # No proxy trusted: the header is ignored, the peer is the client.
        (0, CLIENT, "testclient"),
    ],
)
def test_a_download_behind_proxies_is_audited_with_the_clients_address(
    client, factory, kept, monkeypatch, hops, forwarded_for, recorded
):
    monkeypatch.setenv("CAMSHARE_TRUSTED_PROXY_HOPS", str(hops))
    get_settings.cache_clear()
    settings = get_settings()
    cookie, _ = sign_in(factory, "supervisor")
    with factory() as session, session.begin():
        actor = resolve_session(session, cookie, settings=settings)
        link = viewing.make_link(session, actor, kept, "download", settings.secret_key, 5)
    client.cookies.set("camshare_staff", cookie)

    answer = client.get(footage_link_path(link.token), headers={"X-Forwarded-For": forwarded_for})

    assert answer.status_code == 200
    assert audited(factory, "footage.downloaded") == [recorded]


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "recorded"),
    [(1, f"6.6.6.6, {CLIENT}", CLIENT), (2, f"{CLIENT}, {PROXY}", CLIENT), (0, CLIENT, PROXY)],
)
def test_a_view_from_the_board_behind_proxies_is_audited_with_the_clients_address(
    factory, kept, monkeypatch, hops, forwarded_for, recorded
):
    """The board's Play: the event's socket handshake headers, as Reflex keeps them, give
    the member's address (``AppState.client_ip``), which the view's audit entry records."""
    monkeypatch.setenv("CAMSHARE_TRUSTED_PROXY_HOPS", str(hops))
    get_settings.cache_clear()
    settings = get_settings()
    cookie, _ = sign_in(factory, "supervisor")
    handshake = {"asgi-scope-client": PROXY, "x-forwarded-for": forwarded_for}
    with factory() as session, session.begin():
        actor = resolve_session(
            session, cookie, settings=settings, ip_address=headers_client_ip(handshake)
        )
        viewing.make_link(session, actor, kept, "play", settings.secret_key, 5)

    assert audited(factory, "footage.viewed") == [recorded]

"""Who sees footage: each role and a stranger against view, download, accept and export,
through the use cases and by URL (a link copied to another browser opens nothing)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from camshare import runtime
from camshare.models import StaffSession, StaffUser
from camshare.services.errors import DomainError
from camshare.services.footage import export, triage, viewing
from camshare.services.permissions import Actor, Forbidden
from camshare.services.tokens import token_hash
from camshare.settings import get_settings
from tests.integration.conftest import sign_in
from tests.support.access_builders import NOW
from tests.support.custody_builders import MemoryStorage, footage_request, received_file

# Who may do what with a request's footage (the request's author is police).
TABLE = {
    "author": {"view", "download", "accept", "export", "grant"},
    "supervisor": {"view", "download", "accept", "export", "grant", "hold"},
    "viewer": {"view"},
    "downloader": {"view", "download", "export"},
    "other_police": set(),
    "admin": set(),
    "outreach": set(),
    "stranger": set(),
}
ACTIONS = ("view", "download", "accept", "export", "grant", "hold")


def attempt(session, settings, cast, who, action, files) -> bool:
    """Whether ``who`` could do ``action``: True, or False when refused as Forbidden."""
    actor = None if who == "stranger" else getattr(cast, who)
    key = settings.secret_key
    try:
        if action == "view":
            viewing.make_link(session, actor, files["received"], "play", key, 5, NOW)
        elif action == "download":
            link = viewing.make_link(session, actor, files["received"], "download", key, 5, NOW)
            viewing.open_link(session, actor, link.token, key, NOW)
        elif action == "accept":
            triage.decide(session, actor, files["received"], "accepted", settings, NOW)
        elif action == "export":
            export.plan_export(session, actor, cast.request_id, settings, "en", NOW)
        elif action == "grant":
            triage.grant(
                session, actor, cast.request_id, cast.other_police.username, None, settings
            )
        elif action == "hold":
            triage.hold(session, actor, files["accepted"], "Pending trial", settings, NOW)
    except Forbidden:
        return False
    return True


@pytest.mark.parametrize("who", list(TABLE))
@pytest.mark.parametrize("action", ACTIONS)
def test_the_permission_table(session, settings, who, action):
    cast = footage_request(session, settings)
    storage = MemoryStorage()
    files = {
        status: received_file(session, storage, cast.request_id, status=status).id
        for status in ("received", "accepted")
    }
    assert attempt(session, settings, cast, who, action, files) is (action in TABLE[who])


def test_a_file_still_arriving_or_refused_is_refused_like_a_stranger_s(session, settings):
    cast = footage_request(session, settings)
    storage = MemoryStorage()
    for status in ("receiving", "refused"):
        file = received_file(session, storage, cast.request_id, status=status)
        with pytest.raises(Forbidden):
            viewing.make_link(session, cast.author, file.id, "play", "k", 5, NOW)
    with pytest.raises(Forbidden):
        viewing.make_link(session, cast.author, 999_999, "play", "k", 5, NOW)


def test_a_grant_is_one_row_per_member_and_can_be_withdrawn(session, settings):
    cast = footage_request(session, settings)
    storage = MemoryStorage()
    file = received_file(session, storage, cast.request_id)
    member = cast.other_police
    assert triage.grant(
        session, cast.author, cast.request_id, member.username, None, settings
    ).grant == (settings.footage_grant_default)
    triage.grant(session, cast.author, cast.request_id, member.username, "download", settings)
    rows = triage.grants(session, cast.author, cast.request_id)
    assert [(r.username, r.grant) for r in rows if r.username == member.username] == [
        (member.username, "download")
    ]
    link = viewing.make_link(session, member, file.id, "download", "k", 5, NOW)
    triage.revoke(session, cast.author, cast.request_id, member.username)
    with pytest.raises(Forbidden):
        viewing.open_link(session, member, link.token, "k", NOW)


def test_outreach_and_admins_cannot_be_granted_footage(session, settings):
    cast = footage_request(session, settings)
    for member in (cast.admin, cast.outreach):
        with pytest.raises(DomainError) as refused:
            triage.grant(session, cast.author, cast.request_id, member.username, "view", settings)
        assert refused.value.key == "custody.error.grant_role"


# --- by URL ------------------------------------------------------------------------------------


@pytest.fixture
def committed(factory, settings, monkeypatch):
    """A request with a received and an accepted file, committed, storage in memory."""
    storage = MemoryStorage()
    monkeypatch.setattr(runtime, "footage_storage", lambda: storage)
    with factory() as session, session.begin():
        cast = footage_request(session, settings)
        files = {
            status: received_file(session, storage, cast.request_id, status=status).id
            for status in ("received", "accepted")
        }
    return cast, files, storage


def _cookie_for(factory, client, member: Actor | None, role: str) -> Actor:
    """Sign ``member`` in on the test client (a fresh member of ``role`` for None)."""
    token, username = sign_in(factory, role)
    with factory() as session, session.begin():
        user = session.scalar(select(StaffUser).where(StaffUser.username == username))
        if member is not None:
            # Move the session to the cast's member.
            row = session.scalar(
                select(StaffSession).where(StaffSession.token_sha256 == token_hash(token))
            )
            row.user_id = member.user_id
            session.get(StaffUser, member.user_id).totp_enabled_at = NOW
            actor = member
        else:
            actor = Actor(user.id, user.username, role)
    client.cookies.set("camshare_staff", token)
    return actor


ROLE_OF = {
    "author": "police",
    "supervisor": "supervisor",
    "viewer": "police",
    "downloader": "police",
    "other_police": "police",
    "admin": "admin",
    "outreach": "outreach",
}


@pytest.mark.parametrize("who", list(TABLE))
def test_by_url_each_role_gets_what_the_table_says(client, factory, settings, committed, who):
    cast, files, _storage = committed
    if who != "stranger":
        _cookie_for(factory, client, getattr(cast, who), ROLE_OF[who])
    thumbnail = client.get(f"/api/custody/{files['received']}/thumbnail.jpg")
    assert thumbnail.status_code == (
        200 if "view" in TABLE[who] else 401 if who == "stranger" else 403
    )
    archive = client.get(f"/api/requests/{cast.request_id}/footage.zip?lang=en")
    assert archive.status_code == (
        200 if "export" in TABLE[who] else 401 if who == "stranger" else 403
    )
    # The author's own download link, tried in this browser: only the author's session opens it.
    with factory() as session, session.begin():
        link = viewing.make_link(session, cast.author, files["received"], "download", get_key(), 5)
    response = client.get(f"/api/custody/link/{link.token}")
    assert response.status_code == (200 if who == "author" else 401 if who == "stranger" else 403)


def get_key() -> str:
    """The secret the app under test signs and checks links with."""
    return get_settings().secret_key


def test_a_tampered_or_expired_link_opens_nothing(client, factory, committed):
    cast, files, _storage = committed
    _cookie_for(factory, client, cast.author, "police")
    with factory() as session, session.begin():
        link = viewing.make_link(session, cast.author, files["received"], "play", get_key(), 5)
    forged = link.token.replace(f"{files['received']}-", f"{files['accepted']}-", 1)
    assert client.get(f"/api/custody/link/{forged}").status_code == 403
    with factory() as session, session.begin():
        old = viewing.make_link(session, cast.author, files["received"], "play", get_key(), 5, NOW)
    assert client.get(f"/api/custody/link/{old.token}").status_code == 403
    assert client.get(f"/api/custody/link/{link.token}").status_code == 200


def test_play_answers_ranges_so_the_video_can_seek(client, factory, committed):
    cast, files, storage = committed
    _cookie_for(factory, client, cast.author, "police")
    with factory() as session, session.begin():
        link = viewing.make_link(session, cast.author, files["received"], "play", get_key(), 5)
    data = next(iter(v for k, v in storage.objects.items() if k.startswith("originals/")))
    whole = client.get(f"/api/custody/link/{link.token}")
    assert whole.status_code == 200
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"].startswith("inline")
    part = client.get(f"/api/custody/link/{link.token}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    assert part.content == data[100:200]
    tail = client.get(f"/api/custody/link/{link.token}", headers={"Range": "bytes=-10"})
    assert tail.content == data[-10:]
    beyond = client.get(f"/api/custody/link/{link.token}", headers={"Range": f"bytes={len(data)}-"})
    assert beyond.status_code == 416


def test_a_download_keeps_its_name_in_any_script_and_is_the_original(
    client, factory, settings, committed
):
    cast, _files, storage = committed
    _cookie_for(factory, client, cast.author, "police")
    with factory() as session, session.begin():
        file = received_file(session, storage, cast.request_id, name="Cámara 1 \u2013 frente.mp4")
        link = viewing.make_link(session, cast.author, file.id, "download", get_key(), 5)
        sha256 = file.sha256
    response = client.get(f"/api/custody/link/{link.token}")
    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="C_mara 1 _ frente.mp4"')
    assert "filename*=UTF-8''C%C3%A1mara%201%20%E2%80%93%20frente.mp4" in disposition
    assert response.headers["cache-control"] == "private, no-store"
    assert hashlib.sha256(response.content).hexdigest() == sha256

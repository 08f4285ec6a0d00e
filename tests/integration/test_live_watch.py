"""The viewer's route: a share's playlist and segments through camshare only, with a
short-lived per-viewer credential; refused once it expired or the share ended."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from camshare import runtime
from camshare.models import AccessRequest, LiveViewing, StaffUser, utcnow
from camshare.routes import live_watch_path
from camshare.services.live import shares, viewing
from camshare.services.permissions import Actor
from camshare.settings import get_settings
from camshare_bridge import protocol
from tests.support.live_bridge_builders import TS_SEGMENT, asked_owner, live_camera, paired, share

PLAYLIST = b"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.0,\nseg1.ts\n"


@pytest.fixture
def api(client, monkeypatch, tmp_path):
    """The API client with live segments in a folder of this test."""
    monkeypatch.setenv("CAMSHARE_LIVE_SEGMENTS_DIR", str(tmp_path / "live"))
    get_settings.cache_clear()
    runtime.segment_store.cache_clear()
    yield client
    runtime.segment_store.cache_clear()


def streaming_share(api, factory, started=timedelta(0)):
    """A running share whose bridge pushed a playlist and a segment; (share id, author, owner)."""
    settings = get_settings()
    with factory() as session, session.begin():
        site = asked_owner(session, settings)
        device = paired(session, site.owner_id, utcnow())
        camera = live_camera(session, device.device_id, site.camera_ids[0], utcnow())
        share_id, secret = share(session, settings, site, camera, utcnow() - started)
        author = session.scalar(
            select(StaffUser)
            .join(AccessRequest, AccessRequest.created_by_id == StaffUser.id)
            .where(AccessRequest.id == site.request_id)
        )
        actor = Actor(author.id, author.username, author.role)
    for name, data in (("seg1.ts", TS_SEGMENT), ("index.m3u8", PLAYLIST)):
        pushed = api.put(
            protocol.push_path(share_id, name), content=data, headers=protocol.bearer(secret)
        )
        assert pushed.status_code == 204
    return share_id, actor, site.owner_id


def credential(factory, actor, share_id) -> viewing.ViewerCredential:
    with factory() as session, session.begin():
        return viewing.issue_viewer_credential(session, get_settings(), actor, share_id, utcnow())


def test_a_viewer_plays_the_stream_through_camshare_until_the_share_ends(api, factory):
    share_id, author, owner_id = streaming_share(api, factory)
    token = credential(factory, author, share_id).token
    playlist = api.get(live_watch_path(token))
    assert playlist.status_code == 200
    assert playlist.text.splitlines()[-1] == "seg1.ts"
    assert playlist.headers["cache-control"] == "no-store"
    segment = api.get(live_watch_path(token, "seg1.ts"))
    assert segment.content == TS_SEGMENT
    assert segment.headers["content-type"] == "video/mp2t"
    assert api.get(live_watch_path(token, "../secret.ts")).status_code == 404
    assert api.get(live_watch_path(token[:-3] + "abc", "seg1.ts")).status_code == 401
    with factory() as session:
        assert session.scalar(select(LiveViewing.last_seen_at)) is not None
    # The owner stops: the same URL (copied or not) is refused at once.
    with factory() as session, session.begin():
        assert shares.stop_all_for_owner(session, get_settings(), owner_id, utcnow(), "my") == 1
    assert api.get(live_watch_path(token, "seg1.ts")).status_code == 410
    assert api.get(live_watch_path(token)).status_code == 410


def test_an_expired_credential_is_refused(api, factory):
    share_id, author, _owner_id = streaming_share(api, factory, timedelta(minutes=30))
    with factory() as session, session.begin():
        old = viewing.issue_viewer_credential(
            session, get_settings(), author, share_id, utcnow() - timedelta(minutes=10)
        )
    assert api.get(live_watch_path(old.token)).status_code == 401

"""The bridge's side of live view: pairing, device secrets, camera reports, segment pushes.

Through the real API routes (``/api/live/bridge/``) on the test database, with the
protocol module's payloads; the clock-bound rules (a code's 15 minutes) through the use
cases with a given ``now``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from camshare import runtime
from camshare.models import AuditEvent, LiveCamera, LiveDevice, LiveShare, utcnow
from camshare.services.errors import DomainError
from camshare.services.live import devices, push
from camshare.services.live.segments import LocalFolderSegments
from camshare.settings import get_settings
from camshare_bridge import protocol
from tests.support.live_bridge_builders import (
    NOW,
    TS_SEGMENT,
    asked_owner,
    live_camera,
    paired,
    share,
)

PLAYLIST = (
    "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:5\n"
    "#EXTINF:1.0,\nhttp://camshare.example/api/live/bridge/shares/{id}/seg5.ts\n"
)
SECRET_URL = "rtsp://admin:hunter2-secret@192.168.1.64:554/Streaming/Channels/101"


@pytest.fixture
def api(client, monkeypatch, tmp_path):
    """The API client with live segments in a folder of this test."""
    monkeypatch.setenv("CAMSHARE_LIVE_SEGMENTS_DIR", str(tmp_path / "live"))
    get_settings.cache_clear()
    runtime.segment_store.cache_clear()
    yield client
    runtime.segment_store.cache_clear()


# Pairing: 15 minutes, once


def test_a_pairing_code_pairs_one_bridge_once(session):
    site = asked_owner(session, get_settings())
    code = devices.issue_pairing_code(session, site.owner_id, NOW)
    assert code.expires_at == NOW + timedelta(minutes=15)
    assert len(code.code) == 9
    assert code.code[4] == "-"
    device = devices.pair_device(session, code.code.lower().replace("-", " "), "Garage", NOW)
    stored = session.get(LiveDevice, device.device_id)
    assert stored.owner_id == site.owner_id
    assert stored.name == "Garage"
    assert device.device_secret not in stored.secret_sha256
    with pytest.raises(DomainError, match=r"live\.pairing_code_invalid"):
        devices.pair_device(session, code.code, "Second", NOW)


def test_a_pairing_code_stops_working_after_15_minutes(session):
    site = asked_owner(session, get_settings())
    code = devices.issue_pairing_code(session, site.owner_id, NOW)
    with pytest.raises(DomainError, match=r"live\.pairing_code_invalid"):
        devices.pair_device(session, code.code, "Late", NOW + timedelta(minutes=15))
    fresh = devices.issue_pairing_code(session, site.owner_id, NOW)
    assert devices.pair_device(session, fresh.code, "In time", NOW + timedelta(minutes=14))


def test_a_new_code_voids_the_older_unused_one(session):
    site = asked_owner(session, get_settings())
    older = devices.issue_pairing_code(session, site.owner_id, NOW)
    newer = devices.issue_pairing_code(session, site.owner_id, NOW + timedelta(minutes=1))
    with pytest.raises(DomainError, match=r"live\.pairing_code_invalid"):
        devices.pair_device(session, older.code, "Old", NOW + timedelta(minutes=2))
    assert devices.pair_device(session, newer.code, "New", NOW + timedelta(minutes=2))


def test_pairing_over_http_gives_a_secret_that_works_and_the_code_only_once(api, factory):
    with factory() as session, session.begin():
        site = asked_owner(session, get_settings())
        code = devices.issue_pairing_code(session, site.owner_id, utcnow()).code
    answer = api.post(protocol.PAIR, json={"code": code, "name": "Shop bridge"})
    assert answer.status_code == 200
    secret = answer.json()["device_secret"]
    again = api.post(protocol.PAIR, json={"code": code, "name": "Thief"})
    assert again.status_code == 400
    assert again.json()["detail"]["key"] == "live.pairing_code_invalid"
    cameras = api.get(protocol.CAMERAS, headers=protocol.bearer(secret))
    assert cameras.status_code == 200
    assert sorted(c["camera_id"] for c in cameras.json()["cameras"]) == sorted(site.camera_ids)


# Device secrets


def test_calls_without_the_device_secret_or_after_revoking_get_401(api, factory):
    with factory() as session, session.begin():
        site = asked_owner(session, get_settings())
        device = paired(session, site.owner_id, utcnow())
    for headers in ({}, protocol.bearer("not-a-secret")):
        refused = api.get(protocol.CAMERAS, headers=headers)
        assert refused.status_code == 401
        assert refused.json()["detail"]["key"] == "live.device_unknown"
    assert (
        api.get(protocol.SHARES, headers=protocol.bearer(device.device_secret)).status_code == 200
    )
    with factory() as session, session.begin():
        settings = get_settings()
        assert devices.revoke_device(session, settings, site.owner_id, device.device_id, utcnow())
    after = api.get(protocol.SHARES, headers=protocol.bearer(device.device_secret))
    assert after.status_code == 401


# Camera reports: never an address or a password


def test_a_camera_report_stores_name_codec_size_status_and_nothing_else(api, factory, caplog):
    with factory() as session, session.begin():
        site = asked_owner(session, get_settings())
        device = paired(session, site.owner_id, utcnow())
    report = {
        "camera_id": site.camera_ids[0],
        "name": "Front door",
        "codec": "h264",
        "width": 1920,
        "height": 1080,
        "status": "ready",
        # What an older or careless bridge might add: dropped unread.
        "rtsp_url": SECRET_URL,
        "password": "hunter2-secret",
    }
    auth = {"camera_id": site.camera_ids[1], "name": "Yard", "codec": None, "width": None,
            "height": None, "status": "auth_failed"}  # fmt: skip
    with caplog.at_level(logging.DEBUG):
        answer = api.put(
            protocol.CAMERAS,
            json={"cameras": [report, auth]},
            headers=protocol.bearer(device.device_secret),
        )
    assert answer.status_code == 200
    assert answer.json() == {"reported": 2}
    with factory() as session:
        rows = session.scalars(select(LiveCamera).order_by(LiveCamera.camera_id)).all()
        assert [(r.name, r.codec, r.width, r.height, r.status) for r in rows] == [
            ("Front door", "h264", 1920, 1080, "ready"),
            ("Yard", None, None, None, "auth_failed"),
        ]
        views = devices.devices_for_owner(session, site.owner_id)
        assert [c.status for c in views[0].cameras] == ["ready", "auth_failed"]
        # Nothing stored anywhere holds the address or the password: every text column.
        for table in ("live_camera", "live_device", "audit_event"):
            for row in session.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                assert "hunter2" not in repr(tuple(row))
                assert "192.168.1.64" not in repr(tuple(row))
    assert "hunter2" not in caplog.text
    assert "192.168.1.64" not in caplog.text


def test_a_report_of_someone_elses_camera_is_refused(api, factory):
    with factory() as session, session.begin():
        site = asked_owner(session, get_settings())
        neighbour = asked_owner(session, get_settings())
        device = paired(session, site.owner_id, utcnow())
    report = {"camera_id": neighbour.camera_ids[0], "name": "Theirs", "codec": "h264",
              "width": 640, "height": 360, "status": "ready"}  # fmt: skip
    answer = api.put(
        protocol.CAMERAS, json={"cameras": [report]}, headers=protocol.bearer(device.device_secret)
    )
    assert answer.status_code == 400
    assert answer.json()["detail"]["key"] == "live.camera_unknown"
    with factory() as session:
        assert session.scalars(select(LiveCamera)).all() == []


# Shares and pushes


def _bridge_with_share(factory, *, starts_in=timedelta(0), minutes=60):
    settings = get_settings()
    with factory() as session, session.begin():
        site = asked_owner(session, settings)
        device = paired(session, site.owner_id, utcnow())
        camera = live_camera(session, device.device_id, site.camera_ids[0], utcnow())
        share_id, secret = share(session, settings, site, camera, utcnow() + starts_in, minutes)
    return device, share_id, secret


def test_the_bridge_sees_its_active_share_with_a_push_secret_that_works(api, factory):
    device, share_id, secret = _bridge_with_share(factory)
    answer = api.get(f"{protocol.SHARES}?wait=0", headers=protocol.bearer(device.device_secret))
    orders = answer.json()["shares"]
    assert [o["share_id"] for o in orders] == [share_id]
    assert orders[0]["push_secret"] == secret
    assert orders[0]["push_url"].endswith(protocol.push_path(share_id, "").rstrip("/"))
    pushed = api.put(protocol.push_path(share_id, "seg5.ts"), content=TS_SEGMENT,
                     headers=protocol.bearer(secret))  # fmt: skip
    assert pushed.status_code == 204
    playlist = PLAYLIST.format(id=share_id).encode()
    pushed = api.put(protocol.push_path(share_id, "index.m3u8"), content=playlist,
                     headers=protocol.bearer(secret))  # fmt: skip
    assert pushed.status_code == 204
    store = runtime.segment_store()
    assert store.get(share_id, "seg5.ts") == TS_SEGMENT
    # The playlist names the file only by its bare name: viewers ask camshare for it.
    assert store.playlist(share_id).splitlines()[-1] == "seg5.ts"
    with factory() as session:
        assert session.get(LiveShare, share_id).last_segment_at is not None


def test_a_share_poll_held_open_returns_when_the_share_ends(api, factory):
    device, share_id, _secret = _bridge_with_share(factory)
    headers = protocol.bearer(device.device_secret)
    version = api.get(f"{protocol.SHARES}?wait=0", headers=headers).json()["version"]
    with factory() as session, session.begin():
        session.get(LiveShare, share_id).ended_at = utcnow()
    answer = api.get(f"{protocol.SHARES}?wait=20&known={version}", headers=headers)
    assert answer.json()["shares"] == []
    assert answer.json()["version"] != version


def test_forged_replayed_early_late_and_malformed_pushes_are_refused(api, factory):
    _device, share_id, secret = _bridge_with_share(factory)
    _, later_id, later_secret = _bridge_with_share(factory, starts_in=timedelta(minutes=10))

    def put(sid, name, data, key):
        return api.put(protocol.push_path(sid, name), content=data, headers=protocol.bearer(key))

    def refused(response):
        return response.status_code, response.json()["detail"]["key"]

    assert refused(put(share_id, "seg1.ts", TS_SEGMENT, "forged")) == (401, "live.push_forged")
    # Another share's (real) secret does not open this share.
    assert refused(put(share_id, "seg1.ts", TS_SEGMENT, later_secret)) == (401, "live.push_forged")
    assert refused(put(later_id, "seg1.ts", TS_SEGMENT, later_secret)) == (
        409,
        "live.share_not_started",
    )
    assert put(share_id, "..%2Fx.ts", TS_SEGMENT, secret).status_code in (400, 404)
    assert refused(put(share_id, "seg1.exe", TS_SEGMENT, secret)) == (400, "live.segment_invalid")
    assert refused(put(share_id, "seg1.ts", b"<html>" * 100, secret)) == (
        400,
        "live.segment_invalid",
    )
    assert put(share_id, "seg1.ts", TS_SEGMENT, secret).status_code == 204
    assert refused(put(share_id, "seg1.ts", TS_SEGMENT, secret)) == (409, "live.segment_replayed")
    with factory() as session, session.begin():
        session.get(LiveShare, share_id).ended_at = utcnow()
    assert refused(put(share_id, "seg2.ts", TS_SEGMENT, secret)) == (410, "live.share_ended")
    # What the store held of the ended share is gone at once.
    assert runtime.segment_store().get(share_id, "seg1.ts") is None


def test_a_push_after_the_planned_end_or_the_device_revoked_gets_410(api, factory):
    device, share_id, secret = _bridge_with_share(factory, starts_in=timedelta(minutes=-61))
    answer = api.put(protocol.push_path(share_id, "seg1.ts"), content=TS_SEGMENT,
                     headers=protocol.bearer(secret))  # fmt: skip
    assert answer.status_code == 410
    device, share_id, secret = _bridge_with_share(factory)
    with factory() as session, session.begin():
        owner_id = session.get(LiveDevice, device.device_id).owner_id
        devices.revoke_device(session, get_settings(), owner_id, device.device_id, utcnow())
        assert session.scalar(
            select(AuditEvent.action).where(AuditEvent.subject == f"live_device:{device.device_id}")
            .order_by(AuditEvent.id.desc())
        ) == "live_device.revoked"  # fmt: skip
    answer = api.put(protocol.push_path(share_id, "seg1.ts"), content=TS_SEGMENT,
                     headers=protocol.bearer(secret))  # fmt: skip
    assert answer.status_code == 410


def test_a_share_records_its_last_segment_every_5_s_yet_refuses_at_once_once_ended(
    session, tmp_path
):
    """A segment a second: the share's row is written only every ``push.SEEN_EVERY``, but
    every push is still checked, so the first one after the end (or a replay) is refused."""
    settings = get_settings()
    site = asked_owner(session, settings)
    device = paired(session, site.owner_id, NOW)
    camera = live_camera(session, device.device_id, site.camera_ids[0], NOW)
    share_id, secret = share(session, settings, site, camera, NOW)
    store = LocalFolderSegments(tmp_path / "live")
    row = session.get(LiveShare, share_id)
    for second in range(12):
        moment = NOW + timedelta(seconds=second)
        push.accept_segment(session, store, share_id, secret, f"seg{second}.ts", TS_SEGMENT, moment)
        assert timedelta(0) <= moment - row.last_segment_at < push.SEEN_EVERY
    assert row.last_segment_at == NOW + 2 * push.SEEN_EVERY
    replayed = NOW + timedelta(seconds=12)
    with pytest.raises(DomainError) as refused:
        push.accept_segment(session, store, share_id, secret, "seg11.ts", TS_SEGMENT, replayed)
    assert refused.value.key == "live.segment_replayed"
    with pytest.raises(DomainError) as refused:
        push.accept_segment(session, store, share_id, "forged", "seg12.ts", TS_SEGMENT, replayed)
    assert refused.value.key == "live.push_forged"
    # Ended a moment after a push, well inside the write's 5 s: the next push is refused.
    row.ended_at = NOW + timedelta(seconds=12)
    session.flush()
    late = NOW + timedelta(seconds=12, milliseconds=500)
    with pytest.raises(DomainError) as refused:
        push.accept_segment(session, store, share_id, secret, "seg12.ts", TS_SEGMENT, late)
    assert refused.value.key == "live.share_ended"
    assert store.get(share_id, "seg11.ts") is None

"""Live shares' rules on a clock the test sets: who may share what, for how long, how it ends;
standing consent; who may watch, their credentials and the minutes watched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from camshare.models import (
    AccessRecipient,
    AccessRequest,
    AuditEvent,
    FootageGrant,
    LiveCamera,
    LiveShare,
    LiveViewing,
    OutboxMessage,
    Owner,
)
from camshare.services.access import answers
from camshare.services.access.requests import close_request
from camshare.services.audit.browsing import search_audit
from camshare.services.errors import DomainError
from camshare.services.live import overview, shares, viewing
from camshare.services.owners.inbound_sms import handle_inbound_sms
from camshare.services.owners.withdrawal import withdraw
from camshare.services.permissions import Actor, Forbidden
from camshare.services.tokens import new_token, token_hash
from tests.support.access_builders import NOW, point_at, registered_owner, sent_request, staff
from tests.support.custody_builders import MemoryStorage
from tests.support.live_builders import paired_bridge


@dataclass
class Scene:
    owner_id: int
    token: str
    request_id: int
    cameras: list[int]
    police: Actor
    supervisor: Actor


def asked_owner(session, settings, *, language="en", answer="approved", **request_kw) -> Scene:
    """An owner 50 m from the incident, asked by an open request, with a bridge reporting
    their cameras ready; their answer link's token."""
    owner = registered_owner(session, point_at(50), language=language)
    police, supervisor = staff(session, "police"), staff(session, "supervisor")
    request_id = sent_request(session, settings, police, supervisor, NOW, **request_kw)
    cameras = paired_bridge(session, owner, NOW)
    token = new_token()
    recipient = session.scalar(
        select(AccessRecipient).where(
            AccessRecipient.request_id == request_id, AccessRecipient.owner_id == owner.id
        )
    )
    recipient.token_sha256 = token_hash(token)
    session.flush()
    if answer:
        answers.answer_by_link(session, token, answer, now=NOW)
    return Scene(owner.id, token, request_id, cameras, police, supervisor)


def texts(session, owner_id: int, purpose: str) -> list[str]:
    return list(
        session.scalars(
            select(OutboxMessage.body).where(
                OutboxMessage.owner_id == owner_id, OutboxMessage.purpose == purpose
            )
        )
    )


def test_an_approving_owner_shares_chosen_cameras_for_the_default_hour(session, settings):
    scene = asked_owner(session, settings, language="es")
    started = shares.start_shares(session, settings, scene.token, scene.cameras[:1], None, NOW)
    assert started.ends_at == NOW + timedelta(minutes=60)
    share = session.get(LiveShare, started.share_ids[0])
    assert shares.is_active(share, NOW)
    assert share.basis == "asked"
    assert not shares.is_active(share, NOW + timedelta(minutes=60))
    [sms] = texts(session, scene.owner_id, "live_started")
    assert "VIDEO NO" in sms
    assert "24-118842" in sms
    # The bridge gets the push credential; only its hash is stored.
    device = session.get(LiveCamera, scene.cameras[0]).device_id
    [active] = shares.active_shares_for_device(session, settings, device, NOW)
    assert active.share_id == share.id
    assert shares.push_secret_hash(active.push_secret) == share.push_secret_sha256
    assert shares.active_shares_for_device(session, settings, device, started.ends_at) == []


def test_a_share_lasts_at_most_the_maximum(session, settings):
    scene = asked_owner(session, settings)
    most = settings.live_max_hours * 60
    with pytest.raises(DomainError, match=r"live.error.too_long"):
        shares.start_shares(session, settings, scene.token, scene.cameras, most + 1, NOW)
    started = shares.start_shares(session, settings, scene.token, scene.cameras, most, NOW)
    assert started.ends_at == NOW + timedelta(hours=settings.live_max_hours)
    assert len(started.share_ids) == len(scene.cameras)


def test_only_an_approving_owner_of_an_open_request_may_share(session, settings):
    declined = asked_owner(session, settings, answer="declined")
    with pytest.raises(DomainError, match=r"live.error.not_approved"):
        shares.start_shares(session, settings, declined.token, declined.cameras, 60, NOW)
    closed = asked_owner(session, settings)
    close_request(session, closed.police, closed.request_id, NOW)
    with pytest.raises(DomainError, match=r"answer.closed"):
        shares.start_shares(session, settings, closed.token, closed.cameras, 60, NOW)


def test_only_the_owners_own_ready_cameras_may_be_shared(session, settings):
    scene = asked_owner(session, settings)
    neighbour = registered_owner(session, point_at(500))
    theirs = paired_bridge(session, neighbour, NOW)
    with pytest.raises(DomainError, match=r"live.error.camera_unavailable"):
        shares.start_shares(session, settings, scene.token, theirs[:1], 60, NOW)
    session.get(LiveCamera, scene.cameras[0]).status = "auth_failed"
    with pytest.raises(DomainError, match=r"live.error.camera_unavailable"):
        shares.start_shares(session, settings, scene.token, scene.cameras, 60, NOW)
    with pytest.raises(DomainError, match=r"live.error.choose_camera"):
        shares.start_shares(session, settings, scene.token, [], 60, NOW)
    assert session.scalar(select(LiveShare.id)) is None


def test_stop_sharing_now_ends_every_share_of_the_owner_for_good(session, settings):
    scene = asked_owner(session, settings)
    shares.start_shares(session, settings, scene.token, scene.cameras, 60, NOW)
    later = NOW + timedelta(minutes=5)
    assert shares.stop_all_by_link(session, settings, scene.token, later) == 2
    ended = session.scalars(select(LiveShare)).all()
    assert {(s.ended_at, s.ended_by) for s in ended} == {(later, "owner")}
    assert len(texts(session, scene.owner_id, "live_ended")) == 1
    with pytest.raises(DomainError, match=r"live.error.already_ended"):
        shares.start_shares(session, settings, scene.token, scene.cameras, 60, later)


def test_removing_a_bridge_revokes_it_and_ends_its_shares_at_once(session, settings):
    from camshare.services.live import devices

    scene = asked_owner(session, settings, language="es")
    other = asked_owner(session, settings)
    for each in (scene, other):
        shares.start_shares(session, settings, each.token, each.cameras, 60, NOW)
    device_id = session.get(LiveCamera, scene.cameras[0]).device_id
    later = NOW + timedelta(minutes=5)
    assert not devices.revoke_device(session, settings, other.owner_id, device_id, later)
    assert devices.revoke_device(session, settings, scene.owner_id, device_id, later)
    ended = session.scalars(select(LiveShare).where(LiveShare.owner_id == scene.owner_id)).all()
    assert {(s.ended_at, s.ended_by) for s in ended} == {(later, "owner")}
    assert overview.owner_shares(session, other.owner_id, later)[0].active
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "live_device.revoked"))
    assert (event.actor, event.subject) == (f"owner:{scene.owner_id}", f"live_device:{device_id}")
    assert sorted(event.detail["shares"]) == sorted(s.id for s in ended)
    [sms] = texts(session, scene.owner_id, "live_ended")
    assert "quito un dispositivo" in sms  # texts are sent in GSM letters
    assert shares.active_shares_for_device(session, settings, device_id, later) == []
    assert not devices.revoke_device(session, settings, scene.owner_id, device_id, later)


def test_live_off_by_sms_stops_every_share(session, settings):
    scene = asked_owner(session, settings, language="es")
    shares.start_shares(session, settings, scene.token, scene.cameras, 60, NOW)
    phone = session.get(Owner, scene.owner_id).phone_e164
    reply = handle_inbound_sms(session, "SM-live-1", phone, "Video no", settings, NOW)
    assert "detenida" in reply
    assert all(s.ended_by == "owner" for s in session.scalars(select(LiveShare)))
    again = handle_inbound_sms(session, "SM-live-2", phone, "LIVE OFF", settings, NOW)
    assert "ninguna" in again


def test_a_supervisor_ends_a_share_police_cannot(session, settings):
    scene = asked_owner(session, settings)
    started = shares.start_shares(session, settings, scene.token, scene.cameras, 60, NOW)
    share_id = started.share_ids[0]
    with pytest.raises(Forbidden):
        shares.end_share_by_supervisor(session, settings, scene.police, share_id, NOW)
    shares.end_share_by_supervisor(session, settings, scene.supervisor, share_id, NOW)
    share = session.get(LiveShare, share_id)
    assert (share.ended_by, share.ended_by_staff_id) == ("supervisor", scene.supervisor.user_id)
    with pytest.raises(DomainError, match=r"live.error.not_running"):
        shares.end_share_by_supervisor(session, settings, scene.supervisor, share_id, NOW)


def test_shares_end_when_their_time_runs_out_their_request_closes_or_the_owner_withdraws(
    session, settings
):
    timed = asked_owner(session, settings)
    closing = asked_owner(session, settings)
    leaving = asked_owner(session, settings)
    for scene in (timed, closing, leaving):
        shares.start_shares(session, settings, scene.token, scene.cameras[:1], 30, NOW)
    assert shares.end_expired(session, settings, NOW + timedelta(minutes=1)) == 0
    close_request(session, closing.police, closing.request_id, NOW + timedelta(minutes=2))
    withdraw(session, leaving.owner_id, settings, NOW + timedelta(minutes=3), MemoryStorage())
    session.expire_all()
    assert shares.end_expired(session, settings, NOW + timedelta(minutes=40)) == 2
    endings = {s.request_id: (s.ended_by, s.ended_at) for s in session.scalars(select(LiveShare))}
    assert endings[timed.request_id] == ("expiry", NOW + timedelta(minutes=30))
    assert endings[closing.request_id][0] == "request_closed"
    assert endings[leaving.request_id][0] == "withdrawal"
    assert len(texts(session, timed.owner_id, "live_ended")) == 1
    assert shares.end_expired(session, settings, NOW + timedelta(minutes=41)) == 0


def test_standing_consent_applies_to_emergencies_within_its_radius_only(session, settings):
    near = registered_owner(session, point_at(80))
    far = registered_owner(session, point_at(300))
    for owner in (near, far):
        paired_bridge(session, owner, NOW)
        shares.give_standing_consent(session, owner.id, 100, NOW)
    police, supervisor = staff(session, "police"), staff(session, "supervisor")
    robbery = sent_request(session, settings, police, supervisor, NOW, radius_m=400)
    assert session.scalar(select(LiveShare.id).where(LiveShare.request_id == robbery)) is None
    emergency = sent_request(
        session, settings, police, supervisor, NOW, incident_type="missing_child", radius_m=400
    )
    assert shares.apply_standing_consents(session, settings, NOW) == 2
    assert shares.apply_standing_consents(session, settings, NOW) == 0
    started = session.scalars(select(LiveShare).where(LiveShare.request_id == emergency)).all()
    assert {s.owner_id for s in started} == {near.id}
    assert {s.basis for s in started} == {"standing"}
    assert {s.ends_at for s in started} == {NOW + timedelta(minutes=60)}
    assert len(texts(session, near.id, "live_started")) == 1
    assert texts(session, far.id, "live_started") == []


def test_one_standing_consent_in_force_and_it_can_be_withdrawn(session, settings):
    owner = registered_owner(session, point_at(80))
    paired_bridge(session, owner, NOW)
    assert shares.standing_consent_for(session, owner.id) is None
    shares.give_standing_consent(session, owner.id, 100, NOW)
    shares.give_standing_consent(session, owner.id, 400, NOW)
    assert shares.standing_consent_for(session, owner.id).radius_m == 400
    with pytest.raises(DomainError, match=r"live.error.radius"):
        shares.give_standing_consent(session, owner.id, 5000, NOW)
    shares.withdraw_standing_consent(session, owner.id, NOW)
    assert shares.standing_consent_for(session, owner.id) is None
    police, supervisor = staff(session, "police"), staff(session, "supervisor")
    sent_request(session, settings, police, supervisor, NOW, incident_type="missing_child")
    assert shares.apply_standing_consents(session, settings, NOW) == 0
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.subject == f"owner:{owner.id}")
    ).all()
    assert actions.count("live.standing_given") == 2
    assert "live.standing_withdrawn" in actions


def watchers(session, scene: Scene) -> dict[str, Actor]:
    granted = staff(session, "police")
    session.add(
        FootageGrant(
            request_id=scene.request_id,
            staff_user_id=granted.user_id,
            level="view",
            granted_by_id=scene.police.user_id,
        )
    )
    session.flush()
    return {
        "author": scene.police,
        "supervisor": scene.supervisor,
        "granted": granted,
        "other_police": staff(session, "police"),
        "outreach": staff(session, "outreach"),
        "admin": staff(session, "admin"),
    }


def test_only_the_footage_rule_lets_staff_watch(session, settings):
    scene = asked_owner(session, settings)
    share_id = shares.start_shares(session, settings, scene.token, scene.cameras, 60, NOW)
    share_id = share_id.share_ids[0]
    allowed = set()
    for who, actor in watchers(session, scene).items():
        try:
            viewing.issue_viewer_credential(session, settings, actor, share_id, NOW)
            allowed.add(who)
        except Forbidden:
            assert overview.board_tiles(session, actor, scene.request_id, NOW) == []
    assert allowed == {"author", "supervisor", "granted"}


def test_a_viewer_credential_works_until_it_expires_or_the_share_ends(session, settings):
    scene = asked_owner(session, settings)
    started = shares.start_shares(session, settings, scene.token, scene.cameras, 60, NOW)
    share_id = started.share_ids[0]
    credential = viewing.issue_viewer_credential(session, settings, scene.police, share_id, NOW)
    later = NOW + timedelta(seconds=30)
    watching = viewing.check_viewer(session, settings, credential.token, later)
    assert session.get(LiveViewing, watching.viewing_id).last_seen_at == later
    forged = credential.token[:-2] + ("AA" if not credential.token.endswith("AA") else "BB")
    for token, moment, status in (
        (forged, later, 401),
        ("1.2.3", later, 401),
        (credential.token, credential.expires_at, 401),
    ):
        with pytest.raises(viewing.WatchRefused) as refused:
            viewing.check_viewer(session, settings, token, moment)
        assert refused.value.status == status
    shares.stop_all_by_link(session, settings, scene.token, later)
    with pytest.raises(viewing.WatchRefused) as refused:
        viewing.check_viewer(session, settings, credential.token, later + timedelta(seconds=1))
    assert refused.value.status == 410
    with pytest.raises(DomainError, match=r"live.error.not_running"):
        viewing.issue_viewer_credential(session, settings, scene.police, share_id, later)


def test_a_viewing_is_written_at_most_every_few_seconds(session, settings):
    scene = asked_owner(session, settings)
    started = shares.start_shares(session, settings, scene.token, scene.cameras[:1], 60, NOW)
    credential = viewing.issue_viewer_credential(
        session, settings, scene.police, started.share_ids[0], NOW
    )
    row = session.get(LiveViewing, credential.viewing_id)
    moment = NOW
    # A player fetching every second: the session moves on only every SEEN_EVERY.
    for _ in range(12):
        moment += timedelta(seconds=1)
        viewing.check_viewer(session, settings, credential.token, moment)
        assert timedelta(0) <= moment - row.last_seen_at < viewing.SEEN_EVERY
    assert row.last_seen_at == NOW + 2 * viewing.SEEN_EVERY


def test_minutes_watched_on_the_board_and_for_the_owner(session, settings):
    scene = asked_owner(session, settings)
    started = shares.start_shares(session, settings, scene.token, scene.cameras[:1], 60, NOW)
    share_id = started.share_ids[0]
    moment = NOW
    credential = viewing.issue_viewer_credential(session, settings, scene.police, share_id, moment)
    # The board renews the credential while it plays: one viewing session of 5 minutes.
    for _ in range(10):
        moment += timedelta(seconds=30)
        viewing.check_viewer(session, settings, credential.token, moment)
        credential = viewing.issue_viewer_credential(
            session, settings, scene.police, share_id, moment
        )
    assert session.query(LiveViewing).count() == 1
    [tile] = overview.board_tiles(session, scene.supervisor, scene.request_id, moment)
    assert tile.minutes_watched == 5
    assert (tile.active, tile.offline, tile.may_end) == (True, True, True)
    [mine] = overview.owner_shares(session, scene.owner_id, moment)
    assert mine.watchers == (("police", 5),)
    assert mine.active
    # Nobody fetches any more: the session closes at its last fetch, audited with its minutes.
    assert viewing.end_stale_viewings(session, settings, moment) == 0
    gone = moment + timedelta(seconds=settings.live_viewer_seconds + 1)
    assert viewing.end_stale_viewings(session, settings, gone) == 1
    stop = session.scalar(select(AuditEvent).where(AuditEvent.action == "live_view.stop"))
    assert stop.detail["minutes"] == 5
    assert stop.actor == scene.police.audit_name
    # The audit log's search finds the viewing sessions by their actions' prefix.
    found = search_audit(session, staff(session, "admin"), action="live_view.")
    assert [row.action for row in found.rows] == ["live_view.stop", "live_view.start"]
    assert (
        session.scalar(select(AuditEvent.id).where(AuditEvent.action == "live_view.start"))
        is not None
    )
    # A share that ended is not "running" on the board and cannot be ended again.
    assert session.get(AccessRequest, scene.request_id).status == "open"


def test_transparency_counts_live_shares_by_type_and_the_time_watched(session, settings):
    from zoneinfo import ZoneInfo

    from camshare.services.live.figures import live_by_month

    scenes = [asked_owner(session, settings) for _ in range(2)]
    for scene in scenes:
        shares.start_shares(session, settings, scene.token, scene.cameras, 60, NOW)
    share_id = session.scalars(select(LiveShare.id)).first()
    viewer = viewing.issue_viewer_credential(session, settings, scenes[0].police, share_id, NOW)
    session.get(LiveViewing, viewer.viewing_id).last_seen_at = NOW + timedelta(minutes=30)
    session.flush()
    zone = ZoneInfo(settings.timezone)
    month = NOW.astimezone(zone).date().replace(day=1)
    [counted] = live_by_month(session, [month], NOW - timedelta(days=30), NOW, zone)
    assert counted.by_type == {"robbery": 4}
    assert counted.seconds_watched == 30 * 60

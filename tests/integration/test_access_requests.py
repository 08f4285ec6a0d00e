"""Police access requests: guardrails, approval, fan-out, owners' answers, the board."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from camshare.models import AccessRecipient, AccessRequest, AuditEvent, OutboxMessage, StaffUser
from camshare.services.access import answers, board, requests
from camshare.services.errors import DomainError
from camshare.services.footage.links import live_upload_link, upload_token_after_approval
from camshare.services.messaging.delivery_reports import record_delivery_status
from camshare.services.permissions import Forbidden
from camshare.services.staff.accounts import set_own_language
from tests.support.access_builders import NOW, draft, point_at, registered_owner, staff


@pytest.fixture
def police(session):
    return staff(session, "police")


@pytest.fixture
def supervisor(session):
    return staff(session, "supervisor")


def messages(session, purpose="access_request") -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id)
        )
    )


def link_token(message: OutboxMessage) -> str:
    return re.search(r"/r/([A-Za-z0-9_-]+)", message.body).group(1)


def sent_request(session, settings, police, supervisor, **overrides):
    created = requests.create_request(session, police, draft(**overrides), set(), settings, NOW)
    requests.approve_request(session, supervisor, created.request_id, settings, NOW)
    return session.get(AccessRequest, created.request_id)


# --- guardrails ----------------------------------------------------------------------------


# --- search, creation, approval, fan-out ---------------------------------------------------


def test_the_radius_includes_a_location_on_it_and_not_one_just_outside(
    session, settings, police, supervisor
):
    inside = registered_owner(session, point_at(149.5))
    outside = registered_owner(session, point_at(150.5, bearing_deg=180))
    found = requests.preview_request(session, police, draft(), settings, NOW)
    assert [site.owner_id for site in found] == [inside.id]
    request = sent_request(session, settings, police, supervisor)
    assert [r.owner_id for r in request.recipients] == [inside.id]
    assert outside.id not in {m.owner_id for m in messages(session)}


def test_an_owner_with_several_cameras_in_the_circle_gets_one_sms(
    session, settings, police, supervisor
):
    owner = registered_owner(session, point_at(20), point_at(60, 10), point_at(90, 200))
    request = sent_request(session, settings, police, supervisor)
    assert len(request.recipients) == 1
    assert len(request.recipients[0].site_ids["ids"]) == 3
    assert [m.to_e164 for m in messages(session)] == [owner.phone_e164]


def test_a_non_emergency_request_waits_for_a_supervisor_and_sends_nothing(
    session, settings, police
):
    registered_owner(session, point_at(50))
    created = requests.create_request(session, police, draft(), set(), settings, NOW)
    assert created.status == "awaiting_approval"
    assert messages(session) == []


def test_approval_sends_one_sms_per_owner_in_their_language(session, settings, police, supervisor):
    english = registered_owner(session, point_at(40))
    spanish = registered_owner(session, point_at(80, 0), language="es")
    request = sent_request(session, settings, police, supervisor)
    assert request.status == "open"
    assert request.expires_at == NOW + timedelta(hours=72)
    sms = {m.to_e164: m for m in messages(session)}
    assert set(sms) == {english.phone_e164, spanish.phone_e164}
    en, es = sms[english.phone_e164].body, sms[spanish.phone_e164].body
    assert "Dallas PD asks for camera footage, case 24-118842: Robbery" in en
    assert "near the 1500 block of Marilla St, Dallas, TX" in en
    assert f"YES {request.reply_code}" in en
    assert "/r/" in en
    # How to check the text is genuine: the agency's published number and website.
    assert "call 214-744-4444 or see dallaspolice.net" in en
    assert "Policia de Dallas pide video de sus camaras, caso 24-118842" in es
    assert "Dallas PD" not in es
    assert "cerca de la cuadra 1500 de Marilla St, Dallas, TX" in es
    assert "Para verificarlo, llame al 214-744-4444 o vea dallaspolice.net" in es
    assert "Robo con violencia" in es
    assert f"SI {request.reply_code}" in es
    # The exact address and the owner's own address are never in the text.
    assert "1523" not in en
    redacted = sms[english.phone_e164].body_redacted
    assert "/r/..." in redacted
    assert link_token(sms[english.phone_e164]) not in redacted


def test_a_point_without_an_address_is_told_from_each_owners_own_camera(
    session, settings, police, supervisor
):
    # The incident is 120 m north-east of the owner's camera; no geocoder named its street.
    registered_owner(session, point_at(120, 225))
    registered_owner(session, point_at(140, 90), language="es")
    sent_request(session, settings, police, supervisor, block="32.777, -96.797", zip_code=None)
    en, es = (m.body for m in messages(session))
    assert "Robbery about 120 m north-east of your camera at 1500 Marilla St, Dallas, TX," in en
    assert "a unos 140 m al oeste de su camara en 1500 Marilla St, Dallas, TX," in es
    assert "32.777" not in en + es


def test_the_unticked_locations_are_left_out(session, settings, police, supervisor):
    kept = registered_owner(session, point_at(40))
    dropped = registered_owner(session, point_at(60, 0))
    site_id = dropped.sites[0].id
    created = requests.create_request(session, police, draft(), {site_id}, settings, NOW)
    request = session.get(AccessRequest, created.request_id)
    assert [r.owner_id for r in request.recipients] == [kept.id]
    with pytest.raises(DomainError, match="no_locations"):
        requests.create_request(
            session, police, draft(), {site_id, kept.sites[0].id}, settings, NOW
        )


def test_an_emergency_is_sent_at_once_and_supervisors_are_told(session, settings, police):
    staff(session, "supervisor", phone_e164="+12145550999")
    registered_owner(session, point_at(40))
    created = requests.create_request(
        session, police, draft(incident_type="missing_child"), set(), settings, NOW
    )
    assert created.status == "open"
    assert "EMERGENCY" in messages(session)[0].body
    notice = messages(session, "emergency_notice")
    assert [m.to_e164 for m in notice] == ["+12145550999"]
    assert "24-118842" in notice[0].body


def test_a_supervisor_is_told_of_an_emergency_in_the_language_they_chose(session, settings, police):
    spanish = staff(session, "supervisor", phone_e164="+12145550998")
    assert set_own_language(session, spanish, "es")
    staff(session, "supervisor", phone_e164="+12145550997")
    registered_owner(session, point_at(40))
    requests.create_request(
        session, police, draft(incident_type="missing_child"), set(), settings, NOW
    )
    notice = {m.to_e164: m for m in messages(session, "emergency_notice")}
    assert notice["+12145550998"].language == "es"
    assert "solicitud de emergencia del caso 24-118842" in notice["+12145550998"].body
    assert notice["+12145550997"].language == "en"
    assert "emergency request for case 24-118842" in notice["+12145550997"].body


def test_only_a_known_language_is_kept_on_the_account(session, police):
    assert not set_own_language(session, police, "fr")
    assert not set_own_language(session, police, "en")  # already English
    assert set_own_language(session, police, "es")
    assert session.get(StaffUser, police.user_id).language == "es"


def test_a_supervisor_cannot_approve_their_own_request(session, settings, supervisor):
    registered_owner(session, point_at(40))
    created = requests.create_request(session, supervisor, draft(), set(), settings, NOW)
    with pytest.raises(DomainError, match="own_request"):
        requests.approve_request(session, supervisor, created.request_id, settings, NOW)


def test_a_rejected_request_sends_nothing_and_needs_a_reason(session, settings, police, supervisor):
    registered_owner(session, point_at(40))
    created = requests.create_request(session, police, draft(), set(), settings, NOW)
    with pytest.raises(DomainError, match="reason_required"):
        requests.reject_request(session, supervisor, created.request_id, " ", NOW)
    requests.reject_request(session, supervisor, created.request_id, "Not enough detail", NOW)
    assert session.get(AccessRequest, created.request_id).status == "rejected"
    assert messages(session) == []


def test_without_the_approval_setting_requests_go_out_at_once(session, settings, police):
    registered_owner(session, point_at(40))
    created = requests.create_request(
        session, police, draft(), set(), replace(settings, request_needs_approval=False), NOW
    )
    assert created.status == "open"
    assert len(messages(session)) == 1


# --- roles -----------------------------------------------------------------------------------

ROLES = ("admin", "supervisor", "police", "outreach")
ALLOWED = {
    "search": {"supervisor", "police"},
    "create": {"supervisor", "police"},
    "approve": {"supervisor"},
    "close": {"supervisor", "police"},
    "board": {"supervisor", "police"},
    "reveal": {"supervisor", "police"},
}


def _attempt(action, session, settings, actor, request_id, recipient_id):
    if action == "search":
        requests.preview_request(session, actor, draft(), settings, NOW)
    elif action == "create":
        requests.create_request(session, actor, draft(), set(), settings, NOW)
    elif action == "approve":
        requests.approve_request(session, actor, request_id, settings, NOW)
    elif action == "close":
        requests.close_request(session, actor, request_id, NOW)
    elif action == "board":
        board.request_board(session, actor, request_id, NOW)
    elif action == "reveal":
        board.reveal_owner(session, actor, request_id, recipient_id, NOW)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_each_role_against_each_privileged_action(session, settings, role, action):
    author = staff(session, "police")
    registered_owner(session, point_at(40))
    created = requests.create_request(session, author, draft(), set(), settings, NOW)
    request = session.get(AccessRequest, created.request_id)
    if action == "reveal":
        requests.approve_request(session, staff(session, "supervisor"), request.id, settings, NOW)
        request.recipients[0].answer = "approved"
    # Police act on their own requests: the actor is the author when the role is police.
    actor = author if role == "police" else staff(session, role)
    args = (session, settings, actor, request.id, request.recipients[0].id)
    if role in ALLOWED[action]:
        _attempt(action, *args)
    else:
        with pytest.raises(Forbidden):
            _attempt(action, *args)


def test_police_see_only_their_own_requests(session, settings, police, supervisor):
    registered_owner(session, point_at(40))
    request = sent_request(session, settings, police, supervisor)
    other = staff(session, "police")
    with pytest.raises(Forbidden):
        board.request_board(session, other, request.id, NOW)
    assert board.list_requests(session, other) == []
    assert [r.request_id for r in board.list_requests(session, supervisor)] == [request.id]


# --- the owner's answer ----------------------------------------------------------------------


def test_opening_the_link_records_opened_and_nothing_else(session, settings, police, supervisor):
    registered_owner(session, point_at(40))
    request = sent_request(session, settings, police, supervisor)
    token = link_token(messages(session)[0])
    view = answers.open_request_link(session, token, NOW + timedelta(minutes=5))
    assert view.answer is None
    assert view.block == "1500 Marilla St"
    assert view.case_number == "24-118842"
    assert [loc.address_line for loc in view.locations] == ["1500 Marilla St"]
    recipient = request.recipients[0]
    assert recipient.opened_at is not None
    assert recipient.answer is None
    assert board.request_board(session, police, request.id).rows[0].state == "opened"


def test_the_owner_approves_then_changes_their_mind_until_it_closes(
    session, settings, police, supervisor
):
    registered_owner(session, point_at(40))
    request = sent_request(session, settings, police, supervisor)
    token = link_token(messages(session)[0])
    answers.answer_by_link(session, token, "approved", "Come by after 5 pm", now=NOW)
    assert request.recipients[0].answer == "approved"
    answers.answer_by_link(session, token, "declined", now=NOW + timedelta(hours=1))
    assert request.recipients[0].answer == "declined"
    with pytest.raises(DomainError, match=r"answer\.closed"):
        answers.answer_by_link(session, token, "approved", now=NOW + timedelta(hours=72))
    requests.expire_due_requests(session, NOW + timedelta(hours=72))
    assert request.status == "closed"
    with pytest.raises(DomainError, match=r"answer\.closed"):
        answers.open_request_link(session, token, NOW + timedelta(hours=1))


def test_tampered_unsent_and_closed_links_reveal_nothing(session, settings, police, supervisor):
    registered_owner(session, point_at(40))
    request = sent_request(session, settings, police, supervisor)
    token = link_token(messages(session)[0])
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "", "short", token + "x" * 60):
        with pytest.raises(DomainError, match="link_invalid"):
            answers.open_request_link(session, bad, NOW)
    requests.close_request(session, police, request.id, NOW)
    with pytest.raises(DomainError, match=r"answer\.closed"):
        answers.answer_by_link(session, token, "approved", now=NOW)


def test_the_owner_sees_each_location_concerned_with_its_cameras_in_their_language(
    session, settings, police, supervisor
):
    owner = registered_owner(session, point_at(40), point_at(80, 180), language="es")
    first, second = sorted(owner.sites, key=lambda site: site.id)
    for camera in list(second.cameras):
        second.cameras.remove(camera)
    session.flush()
    sent_request(session, settings, police, supervisor)

    view = answers.open_request_link(session, link_token(messages(session)[0]), NOW)

    assert view.language == "es"
    assert [(loc.address_line, loc.cameras) for loc in view.locations] == [
        (first.address_line, (("doorbell", 1, "street"), ("exterior", 2, "parking_lot"))),
        (second.address_line, ()),
    ]
    assert (view.locations[0].lat, view.locations[0].lon) == (first.lat, first.lon)


def test_a_press_reads_the_link_and_writes_the_answer_and_its_audit_only(
    session, settings, police, supervisor
):
    """The worst moment is a thousand presses: each costs three statements, whatever the
    owner's locations and cameras (the page shows them since it opened)."""
    registered_owner(session, point_at(40))
    request = sent_request(session, settings, police, supervisor)
    token = link_token(messages(session)[0])
    answers.open_request_link(session, token, NOW)
    session.flush()
    session.expire_all()  # as in a new event's own session
    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append(statement.split()[0].upper())

    engine = session.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        recorded = answers.answer_by_link(session, token, "approved", "After 5 pm", now=NOW)
        session.flush()
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert sorted(sent) == ["INSERT", "SELECT", "UPDATE"], sent
    assert (recorded.answer, recorded.note) == ("approved", "After 5 pm")
    assert request.recipients[0].id == recorded.recipient_id
    # The upload link given without a query is one that works.
    upload = upload_token_after_approval(settings, recorded.recipient_id)
    assert live_upload_link(session, settings, upload, NOW).recipient_id == recorded.recipient_id


# --- the board -------------------------------------------------------------------------------


def test_the_board_follows_each_recipient(session, settings, police, supervisor):
    registered_owner(session, point_at(30))
    registered_owner(session, point_at(60, 0))
    request = sent_request(session, settings, police, supervisor)
    states = lambda: [row.state for row in board.request_board(session, police, request.id).rows]  # noqa: E731
    assert states() == ["queued", "queued"]
    first, second = messages(session)
    first.status, first.provider_sid, first.provider_status = "sent", "SM1", "sent"
    second.status, second.error_code = "failed", "30003"
    assert states() == ["sent", "failed"]
    record_delivery_status(session, "SM1", "delivered", None)
    assert states() == ["delivered", "failed"]
    answers.answer_by_link(session, link_token(first), "approved", now=NOW)
    assert states() == ["approved", "failed"]
    requests.close_request(session, police, request.id, NOW)
    assert states() == ["approved", "no_answer"]


def test_the_opened_count_includes_owners_who_answered(session, settings, police, supervisor):
    by_link = registered_owner(session, point_at(30))
    by_reply = registered_owner(session, point_at(50, 0))
    registered_owner(session, point_at(70, 180))
    request = sent_request(session, settings, police, supervisor)
    link = {m.to_e164: link_token(m) for m in messages(session)}[by_link.phone_e164]
    answers.open_request_link(session, link, NOW)
    answers.answer_by_link(session, link, "approved", now=NOW)
    # An answer by SMS reply never opened the link, yet the request plainly reached them.
    answers.answer_by_reply(session, by_reply.phone_e164, "declined", request.reply_code, NOW)
    result = board.request_board(session, police, request.id)
    assert [row.state for row in result.rows] == ["approved", "declined", "queued"]
    assert result.opened == 2


def test_the_board_shows_a_page_of_recipients_and_counts_them_all(
    session, settings, police, supervisor, monkeypatch
):
    monkeypatch.setattr(board, "BOARD_PAGE_SIZE", 2)
    for distance in (30, 60, 90):
        registered_owner(session, point_at(distance))
    request = sent_request(session, settings, police, supervisor)
    farthest = link_token(messages(session)[2])
    answers.answer_by_link(session, farthest, "approved", now=NOW)
    first = board.request_board(session, police, request.id)
    assert [row.distance_m for row in first.rows] == [30, 60]
    assert (first.page, first.pages) == (0, 2)
    assert first.count("approved") == 1
    assert first.count("queued") == 2
    assert first.summary.recipients == 3
    assert first.summary.approved == 1
    second = board.request_board(session, police, request.id, page=1)
    assert [(row.distance_m, row.state) for row in second.rows] == [(90, "approved")]
    # A page past the end shows the last one.
    assert board.request_board(session, police, request.id, page=7).page == 1


def test_a_board_update_comes_only_when_something_changed(session, settings, police, supervisor):
    registered_owner(session, point_at(30))
    registered_owner(session, point_at(60, 0))
    request = sent_request(session, settings, police, supervisor)
    shown = board.request_board(session, police, request.id)
    assert board.board_update(session, police, request.id, shown.version) is None
    first, second = messages(session)
    answers.open_request_link(session, link_token(first), NOW)
    opened = board.board_update(session, police, request.id, shown.version)
    assert [row.state for row in opened.rows] == ["opened", "queued"]
    answers.answer_by_link(session, link_token(first), "approved", now=NOW)
    answers.answer_by_link(session, link_token(second), "declined", now=NOW)
    answered = board.board_update(session, police, request.id, opened.version)
    assert [row.state for row in answered.rows] == ["approved", "declined"]
    # Both change their minds: the counts stay as they were, the board still moves on.
    answers.answer_by_link(session, link_token(first), "declined", now=NOW + timedelta(minutes=1))
    answers.answer_by_link(session, link_token(second), "approved", now=NOW + timedelta(minutes=1))
    swapped = board.board_update(session, police, request.id, answered.version)
    assert [row.state for row in swapped.rows] == ["declined", "approved"]
    assert board.board_update(session, police, request.id, swapped.version) is None
    requests.close_request(session, police, request.id, NOW)
    closed = board.board_update(session, police, request.id, swapped.version)
    assert closed.summary.status == "closed"
    with pytest.raises(Forbidden):
        board.board_update(session, staff(session, "police"), request.id, closed.version)


def test_owner_details_show_only_after_approval_and_each_view_is_logged(
    session, settings, police, supervisor
):
    owner = registered_owner(session, point_at(30), name="Rosa Díaz")
    request = sent_request(session, settings, police, supervisor)
    recipient = request.recipients[0]
    with pytest.raises(DomainError, match="not_approved"):
        board.reveal_owner(session, police, request.id, recipient.id, NOW)
    answers.answer_by_link(
        session, link_token(messages(session)[0]), "approved", "Call me", now=NOW
    )
    contact = board.reveal_owner(session, police, request.id, recipient.id, NOW)
    assert (contact.name, contact.phone_e164, contact.note) == (
        "Rosa Díaz",
        owner.phone_e164,
        "Call me",
    )
    # Shown as people dial it: "+12145551003" reads "(214) 555-1003".
    assert contact.phone_display == f"(214) 555-{owner.phone_e164[-4:]}"
    board.reveal_owner(session, supervisor, request.id, recipient.id, NOW)
    views = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "owner.revealed").order_by(AuditEvent.id)
    ).all()
    assert [v.actor for v in views] == [police.audit_name, supervisor.audit_name]
    assert all(v.subject == f"owner:{owner.id}" for v in views)


def test_a_search_a_request_an_approval_and_answers_are_audited(
    session, settings, police, supervisor
):
    registered_owner(session, point_at(30))
    requests.preview_request(session, police, draft(), settings, NOW)
    request = sent_request(session, settings, police, supervisor)
    answers.answer_by_link(session, link_token(messages(session)[0]), "declined", now=NOW)
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [
        "request.searched",
        "request.created",
        "request.approved",
        "request.sent",
        "request.answered",
    ]
    assert session.scalar(select(AccessRecipient.answered_via)) == "link"
    assert request.status == "open"


def test_the_requests_page_lists_and_counts_what_waits_in_one_go(
    session, settings, police, supervisor
):
    registered_owner(session, point_at(40))
    waiting = requests.create_request(session, police, draft(), set(), settings, NOW)
    assert waiting.status == "awaiting_approval"

    mine = board.request_list(session, police)
    assert [r.request_id for r in mine.requests] == [waiting.request_id]
    assert mine.waiting == 0  # police cannot approve: nothing waits for them
    theirs = board.request_list(session, supervisor)
    assert [r.request_id for r in theirs.requests] == [waiting.request_id]
    assert theirs.waiting == 1
    with pytest.raises(Forbidden):
        board.request_list(session, staff(session, "outreach"))

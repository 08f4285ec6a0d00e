"""The owner's account: signing in without a password, pausing, withdrawing, their data."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from camshare.models import Base, OutboxMessage, Owner, PhoneVerification
from camshare.services.access import answers, board, requests
from camshare.services.access.nearby import find_sites_near
from camshare.services.errors import DomainError
from camshare.services.messaging.outbox import dispatch_due
from camshare.services.owners import account as owner_account
from camshare.services.owners import withdrawal
from camshare.services.owners.inbound_sms import handle_inbound_sms
from camshare.services.owners.links import manage_link_language, new_owner_link
from camshare.services.session_handoff import redeem_handoff
from camshare.services.tokens import token_hash
from tests.support.access_builders import draft, staff
from tests.unit.builders import MARILLA_POINT, NAME, PHONE, PHONE_E164, clock, walk_to


def registered(session, settings):
    walk = walk_to(session, settings, "done", campaign_code=None)
    return session.scalar(select(Owner).where(Owner.phone_e164 == walk.phone_e164))


def last_signin_code(session) -> str:
    message = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.to_e164 == PHONE_E164, OutboxMessage.purpose == "verification_code")
        .order_by(OutboxMessage.id.desc())
    ).first()
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_an_owner_signs_in_with_an_sms_code(session, settings):
    owner = registered(session, settings)
    later = clock() + timedelta(minutes=10)
    owner_account.send_signin_code(session, PHONE, settings, "198.51.100.1", now=later)
    token = owner_account.sign_in_with_code(
        session, PHONE, last_signin_code(session), settings, "198.51.100.1", now=later
    )
    assert owner_account.signed_in_owner(session, token, later, settings=settings) == owner.id
    expired = later + timedelta(hours=settings.owner_session_hours)
    assert owner_account.signed_in_owner(session, token, expired, settings=settings) is None
    owner_account.sign_out_owner(session, token, later)
    assert owner_account.signed_in_owner(session, token, later, settings=settings) is None


def test_an_owner_session_unused_for_the_idle_limit_ends(session, settings):
    owner = registered(session, settings)
    at = clock() + timedelta(minutes=10)
    token = owner_account.sign_in_with_link(
        session, new_owner_link(session, owner, "manage", 1), settings, None, now=at
    )
    idle = timedelta(minutes=settings.owner_idle_minutes)
    assert settings.owner_idle_minutes == 30  # the default

    def seen(moment):
        return owner_account.signed_in_owner(session, token, moment, settings=settings)

    # Each use keeps it alive, well past one idle limit from the sign-in...
    assert seen(at + idle - timedelta(minutes=2)) == owner.id
    at += idle - timedelta(minutes=2)
    assert seen(at + idle - timedelta(minutes=2)) == owner.id
    at += idle - timedelta(minutes=2)
    # ...until it goes unused for the idle limit.
    assert seen(at + idle) is None
    assert seen(at + idle + timedelta(minutes=5)) is None


def test_the_owner_idle_limit_follows_the_setting(session, settings):
    owner = registered(session, settings)
    at = clock() + timedelta(minutes=10)
    token = owner_account.sign_in_with_link(
        session, new_owner_link(session, owner, "manage", 1), settings, None, now=at
    )
    short = dataclasses.replace(settings, owner_idle_minutes=5)
    later = at + timedelta(minutes=6)
    assert owner_account.signed_in_owner(session, token, later, settings=settings) == owner.id
    assert (
        owner_account.signed_in_owner(session, token, later + timedelta(minutes=6), settings=short)
        is None
    )


def test_an_unknown_number_gets_the_same_answer_and_no_sms(session, settings):
    sent = owner_account.send_signin_code(session, "(214) 555-0100", settings, "198.51.100.1")
    assert sent.phone_e164 == "+12145550100"
    assert session.scalars(select(OutboxMessage)).all() == []
    # It still counts against the limits, like a real attempt.
    assert session.scalars(select(PhoneVerification)).one().purpose == "signin"


def test_a_wrong_code_is_refused(session, settings):
    registered(session, settings)
    later = clock() + timedelta(minutes=10)
    owner_account.send_signin_code(session, PHONE, settings, None, now=later)
    code = last_signin_code(session)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(DomainError, match="code_wrong"):
        owner_account.sign_in_with_code(session, PHONE, wrong, settings, None, now=later)


def test_the_manage_link_works_once_and_only_for_its_owner(session, settings):
    owner = registered(session, settings)
    token = new_owner_link(session, owner, "manage", settings.manage_link_hours)
    session_token = owner_account.sign_in_with_link(session, token, settings, None)
    assert owner_account.signed_in_owner(session, session_token, settings=settings) == owner.id
    with pytest.raises(DomainError, match="link_invalid"):
        owner_account.sign_in_with_link(session, token, settings, None)
    late = new_owner_link(session, owner, "manage", settings.manage_link_hours)
    with pytest.raises(DomainError, match="link_invalid"):
        owner_account.sign_in_with_link(
            session, late, settings, None, now=clock() + timedelta(hours=73)
        )
    with pytest.raises(DomainError, match="link_invalid"):
        owner_account.sign_in_with_link(session, "x" * 32, settings, None)


def test_a_paused_owner_gets_no_request_until_resumed(session, settings):
    owner = registered(session, settings)
    assert [s.owner_id for s in find_sites_near(session, *MARILLA_POINT, 150)] == [owner.id]
    owner_account.pause(session, owner.id, settings)
    assert find_sites_near(session, *MARILLA_POINT, 150) == []
    owner_account.resume(session, owner.id, settings)
    assert [s.owner_id for s in find_sites_near(session, *MARILLA_POINT, 150)] == [owner.id]


def test_a_pause_until_a_date_ends_by_itself(session, settings):
    from camshare.services.owners.standing import refresh_status

    owner = registered(session, settings)
    now = clock()
    owner_account.pause(session, owner.id, settings, until=now + timedelta(days=3), now=now)
    refresh_status(owner, settings, now + timedelta(days=2))
    assert owner.status == "paused"
    refresh_status(owner, settings, now + timedelta(days=3))
    assert owner.status == "active"
    with pytest.raises(DomainError, match="pause_until_past"):
        owner_account.pause(session, owner.id, settings, until=now - timedelta(days=1), now=now)


def test_my_requests_show_answers_and_who_saw_my_details(session, settings):
    owner = registered(session, settings)
    police, supervisor = staff(session, "police"), staff(session, "supervisor")
    now = clock()
    incident = draft(window_start=now - timedelta(hours=2), window_end=now - timedelta(hours=1))
    created = requests.create_request(session, police, incident, set(), settings, now)
    requests.approve_request(session, supervisor, created.request_id, settings, now)
    link = session.scalars(
        select(OutboxMessage).where(OutboxMessage.purpose == "access_request")
    ).one()
    token = re.search(r"/r/([A-Za-z0-9_-]+)", link.body).group(1)
    answers.answer_by_link(session, token, "approved", "After 5 pm", now=now)
    recipient_id = board.request_board(session, police, created.request_id).rows[0].recipient_id
    board.reveal_owner(session, police, created.request_id, recipient_id)
    seen = owner_account.my_requests(session, owner.id)
    assert [(r.answer, [who for who, _ in r.viewed_by]) for r in seen] == [
        ("approved", [police.username])
    ]


def test_withdrawing_leaves_no_personal_data_anywhere(settings, factory):
    with factory() as session:
        owner = registered(session, settings)
        police, supervisor = staff(session, "police"), staff(session, "supervisor")
        now = clock()
        incident = draft(
            window_start=now - timedelta(hours=2),
            window_end=now - timedelta(hours=1),
            address_text="2500 Elm St",
            block="2500 Elm St",
        )
        created = requests.create_request(session, police, incident, set(), settings, now)
        requests.approve_request(session, supervisor, created.request_id, settings, now)
        link = session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "access_request")
        ).one()
        token = re.search(r"/r/([A-Za-z0-9_-]+)", link.body).group(1)
        answers.answer_by_link(session, token, "approved", "Ask for Ana María López", now=now)
        recipient_id = board.request_board(session, police, created.request_id).rows[0].recipient_id
        board.reveal_owner(session, police, created.request_id, recipient_id)
        handle_inbound_sms(session, "SM" + "w" * 32, PHONE_E164, "HELP", settings)
        new_owner_link(session, owner, "manage", 72)
        owner_account.send_signin_code(
            session, PHONE, settings, None, now=now + timedelta(minutes=5)
        )
        session.commit()

        reference = withdrawal.withdraw(session, owner.id, settings)
        session.commit()
        confirmation = session.scalars(select(OutboxMessage)).one()
        assert confirmation.purpose == "withdrawal_confirmation"
        assert confirmation.to_e164 == PHONE_E164  # until it is sent

    dispatch_due(factory, AcceptingGateway())
    needles = [PHONE_E164, "2147483647", "748-3647", NAME, "ana@example.com", "1500 Marilla"]
    found = []
    with factory() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                text = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False)
                found += [(table.name, needle) for needle in needles if needle in text]
        assert found == []
        # The answer stays, anonymous, for the public figures; the log keeps the reference.
        assert board.request_board(session, police, created.request_id).rows[0].state == "approved"
    assert reference.startswith("withdrawn:")


class AcceptingGateway:
    """Accepts every message, like the provider (the real client is tested elsewhere)."""

    name = "stub"
    keeps_record = False

    def send(self, to, body, status_callback=None):
        from camshare.services.messaging.sms import SendReceipt

        return SendReceipt(sid="SM" + token_hash(to + body)[:32], status="queued")


def test_my_data_holds_everything_about_me(session, settings):
    owner = registered(session, settings)
    data = withdrawal.my_data(session, owner.id)
    assert data["owner"]["name"] == NAME
    assert data["owner"]["phone"] == PHONE_E164
    assert [loc["address"] for loc in data["locations"]] == ["1500 Marilla St"]
    assert len(data["locations"][0]["cameras"]) == 2
    assert [c["version"] for c in data["consents"]] == ["2026-11"]
    assert {m["purpose"] for m in data["text_messages"]} >= {"registration_receipt"}
    json.dumps(data)  # serialisable as is


def test_a_pause_that_ran_out_ends_by_itself_in_the_worker(session, settings):
    owner = registered(session, settings)
    now = clock()
    owner_account.pause(session, owner.id, settings, until=now + timedelta(days=1), now=now)
    assert owner_account.resume_ended_pauses(session, settings, now + timedelta(hours=23)) == 0
    assert owner_account.resume_ended_pauses(session, settings, now + timedelta(days=1)) == 1
    assert owner.status == "active"
    assert [s.owner_id for s in find_sites_near(session, *MARILLA_POINT, 150)] == [owner.id]


def test_my_registration_gathers_what_my_page_shows(session, settings):
    owner = registered(session, settings)
    mine = owner_account.my_registration(session, owner.id)
    assert mine.owner.id == owner.id
    assert [loc.address for loc in mine.locations] == ["1500 Marilla St, Dallas, TX"]
    assert sum(count for _, count, _, _ in mine.locations[0].cameras) > 0
    assert [c.version for c in mine.consents] == ["2026-11"]
    assert mine.requests == ()


def test_my_registration_hands_over_a_copy_of_the_owner_not_the_row(session, settings):
    owner = registered(session, settings)
    details = owner_account.my_registration(session, owner.id).owner
    assert not isinstance(details, Base)
    assert (details.full_name, details.phone_e164, details.language) == (
        owner.full_name,
        PHONE_E164,
        owner.language,
    )
    assert (details.status, details.paused_until, details.email) == (
        owner.status,
        None,
        owner.email,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        details.full_name = "Someone Else"


def test_the_manage_link_says_its_owners_language_and_stays_unused(session, settings):
    owner = registered(session, settings)
    owner.language = "es"
    token = new_owner_link(session, owner, "manage", 72)
    assert manage_link_language(session, token) == "es"
    assert manage_link_language(session, token) == "es"  # only peeked: still good
    with pytest.raises(DomainError) as other:
        manage_link_language(session, new_owner_link(session, owner, "reconfirm", 72))
    assert other.value.key == "owner.link_invalid"


def test_an_owner_signing_in_gets_a_handoff_code_that_redeems_once(session, settings):
    owner = registered(session, settings)
    at = clock() + timedelta(minutes=10)
    owner_account.send_signin_code(session, PHONE, settings, None, now=at)
    code = owner_account.hand_off_code_sign_in(
        session, PHONE, last_signin_code(session), settings, None, now=at
    )
    token = redeem_handoff(session, "owner", code, settings, at)
    assert owner_account.signed_in_owner(session, token, at, settings=settings) == owner.id
    assert redeem_handoff(session, "owner", code, settings, at) is None

    link = new_owner_link(session, owner, "manage", 72, now=at)
    code = owner_account.hand_off_link_sign_in(session, link, settings, None, now=at)
    token = redeem_handoff(session, "owner", code, settings, at)
    assert owner_account.signed_in_owner(session, token, at, settings=settings) == owner.id
    with pytest.raises(DomainError):
        owner_account.hand_off_link_sign_in(session, link, settings, None, now=at)

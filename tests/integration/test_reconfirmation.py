"""Keeping the registry current: the yearly question, its one-tap link, the pause for silence."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from camshare.models import AuditEvent, OutboxMessage, OwnerLink
from camshare.services.access.nearby import find_sites_near
from camshare.services.errors import DomainError
from camshare.services.owners import reconfirmation
from camshare.services.tokens import token_hash
from tests.support.access_builders import INCIDENT, NOW, point_at, registered_owner

LINK_RE = re.compile(r"/c/([A-Za-z0-9_\-]+)")
YEAR = timedelta(days=365)
IP = "203.0.113.7"
DAY = timedelta(days=1)
GRACE = timedelta(days=30)


def owner_confirmed_at(session, when, **fields):
    fields.setdefault("created_at", when - timedelta(days=3))
    return registered_owner(session, point_at(50), confirmed_at=when, **fields)


def reconfirm_sms(session, owner) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.owner_id == owner.id, OutboxMessage.purpose == "reconfirm")
            .order_by(OutboxMessage.id)
        )
    )


def link_of(session, owner) -> str:
    (message,) = reconfirm_sms(session, owner)
    return LINK_RE.search(message.body).group(1)


def found(session, owner) -> bool:
    near = find_sites_near(session, INCIDENT[0], INCIDENT[1], 400)
    return owner.id in {site.owner_id for site in near}


def events(session, action: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_an_owner_is_asked_on_day_365_not_on_day_364(session, settings):
    owner = owner_confirmed_at(session, NOW)

    assert (
        reconfirmation.ask_for_reconfirmation(session, settings, NOW + YEAR - timedelta(days=1))
        == 0
    )
    assert reconfirm_sms(session, owner) == []
    assert owner.reconfirm_requested_at is None

    assert reconfirmation.ask_for_reconfirmation(session, settings, NOW + YEAR) == 1
    (message,) = reconfirm_sms(session, owner)
    assert owner.reconfirm_requested_at == NOW + YEAR
    assert owner.status == "active"  # asking holds nobody back
    assert settings.program_name in message.body
    assert "still have the cameras" in message.body
    assert "1 location, 3 cameras" in message.body
    assert "Reply STOP to opt out." in message.body
    assert settings.public_url("/c/") in message.body
    # The copy kept once it is sent masks the link.
    assert link_of(session, owner) not in message.body_redacted
    assert settings.public_url("/c/") in message.body_redacted
    link = session.scalars(select(OwnerLink).where(OwnerLink.owner_id == owner.id)).one()
    assert link.purpose == "reconfirm"
    assert link.token_sha256 == token_hash(link_of(session, owner))
    assert link.expires_at >= NOW + YEAR + GRACE
    assert [e.subject for e in events(session, "owner.reconfirm_asked")] == [f"owner:{owner.id}"]


def test_the_question_is_asked_once_and_in_the_owners_language(session, settings):
    owner = owner_confirmed_at(session, NOW, language="es")

    assert reconfirmation.ask_for_reconfirmation(session, settings, NOW + YEAR) == 1
    for later in (timedelta(hours=1), timedelta(days=29), timedelta(days=200)):
        assert reconfirmation.ask_for_reconfirmation(session, settings, NOW + YEAR + later) == 0
    (message,) = reconfirm_sms(session, owner)
    assert message.language == "es"
    # Accents are dropped for the GSM-7 alphabet (one SMS segment holds more).
    assert "todavia tiene las camaras" in message.body
    assert "Registro Comunitario de Camaras de Dallas" in message.body
    assert "Responda STOP" in message.body


def test_registration_counts_when_never_confirmed_and_the_periods_are_configurable(
    session, settings
):
    settings = dataclasses.replace(settings, reconfirm_after_days=90)
    owner = registered_owner(session, point_at(50), created_at=NOW, confirmed_at=None)

    assert reconfirmation.ask_for_reconfirmation(session, settings, NOW + timedelta(days=89)) == 0
    assert reconfirmation.ask_for_reconfirmation(session, settings, NOW + timedelta(days=90)) == 1
    assert len(reconfirm_sms(session, owner)) == 1


def test_an_owner_who_texted_stop_gets_no_text_and_is_not_paused(session, settings):
    owner = owner_confirmed_at(session, NOW, sms_opted_out_at=NOW + timedelta(days=10))

    assert reconfirmation.ask_for_reconfirmation(session, settings, NOW + YEAR) == 0
    assert reconfirmation.pause_unconfirmed(session, settings, NOW + YEAR + GRACE) == 0
    assert reconfirm_sms(session, owner) == []
    assert owner.reconfirm_requested_at is None
    assert owner.status == "active"


def test_silent_owners_are_paused_on_day_30_of_grace_not_day_29(session, settings):
    owner = owner_confirmed_at(session, NOW)
    asked = NOW + YEAR
    reconfirmation.ask_for_reconfirmation(session, settings, asked)

    assert reconfirmation.pause_unconfirmed(session, settings, asked + timedelta(days=29)) == 0
    assert owner.status == "active"
    assert found(session, owner)

    assert reconfirmation.pause_unconfirmed(session, settings, asked + GRACE) == 1
    session.flush()
    assert owner.status == "unconfirmed"
    assert not found(session, owner)
    (event,) = events(session, "owner.unconfirmed")
    assert event.subject == f"owner:{owner.id}"
    assert event.actor == "system"
    # Once paused, later runs leave the owner (and the log) alone.
    assert reconfirmation.pause_unconfirmed(session, settings, asked + GRACE * 2) == 0
    assert len(events(session, "owner.unconfirmed")) == 1


def test_an_owner_paused_by_their_own_choice_is_asked_and_stays_paused(session, settings):
    owner = owner_confirmed_at(session, NOW, status="paused", paused_at=NOW)

    assert reconfirmation.ask_for_reconfirmation(session, settings, NOW + YEAR) == 1
    assert reconfirmation.pause_unconfirmed(session, settings, NOW + YEAR + GRACE) == 0
    assert owner.status == "paused"


def test_opening_the_link_shows_the_cameras_and_changes_nothing(session, settings):
    owner = owner_confirmed_at(session, NOW, language="es")
    registered_owner(session, point_at(60), confirmed_at=NOW, created_at=NOW)  # someone else
    reconfirmation.ask_for_reconfirmation(session, settings, NOW + YEAR)
    token = link_of(session, owner)

    view = reconfirmation.reconfirm_view(session, token, NOW + YEAR + timedelta(days=1))
    assert view.language == "es"
    assert view.cameras == 3
    (location,) = view.locations
    assert location.address_line == "1500 Marilla St"
    assert [(kind, count) for kind, count, _, _ in location.cameras] == [
        ("doorbell", 1),
        ("exterior", 2),
    ]
    assert reconfirmation.reconfirm_view(session, token, NOW + YEAR, language="en").language == "en"
    # Only peeked: the link still works, nothing was confirmed.
    assert owner.confirmed_at == NOW
    link = session.scalars(select(OwnerLink).where(OwnerLink.owner_id == owner.id)).one()
    assert link.used_at is None


def test_confirming_releases_the_owner_once_and_the_link_cannot_be_reused(session, settings):
    owner = owner_confirmed_at(session, NOW)
    asked = NOW + YEAR
    reconfirmation.ask_for_reconfirmation(session, settings, asked)
    token = link_of(session, owner)
    reconfirmation.pause_unconfirmed(session, settings, asked + GRACE)
    assert owner.status == "unconfirmed"

    when = asked + GRACE + timedelta(days=2)
    confirmed = reconfirmation.confirm_cameras(session, token, when, settings)
    assert confirmed.id == owner.id
    assert owner.status == "active"
    assert owner.confirmed_at == when
    assert found(session, owner)
    (event,) = events(session, "owner.reconfirmed")
    assert event.actor == f"owner:{owner.id}"
    assert event.detail == {"status_before": "unconfirmed", "status": "active"}

    with pytest.raises(DomainError) as used:
        reconfirmation.confirm_cameras(session, token, when + timedelta(minutes=1), settings)
    assert used.value.key == "owner.link_invalid"
    with pytest.raises(DomainError):
        reconfirmation.reconfirm_view(session, token, when + timedelta(minutes=1))
    # The next question comes a year after this confirmation, not before.
    assert reconfirmation.pause_unconfirmed(session, settings, when + YEAR) == 0
    assert (
        reconfirmation.ask_for_reconfirmation(session, settings, when + YEAR - timedelta(days=1))
        == 0
    )
    assert reconfirmation.ask_for_reconfirmation(session, settings, when + YEAR) == 1


def test_confirming_in_time_keeps_the_owner_active(session, settings):
    owner = owner_confirmed_at(session, NOW)
    asked = NOW + YEAR
    reconfirmation.ask_for_reconfirmation(session, settings, asked)
    reconfirmation.confirm_cameras(
        session, link_of(session, owner), asked + timedelta(days=3), settings
    )

    assert reconfirmation.pause_unconfirmed(session, settings, asked + GRACE * 3) == 0
    assert owner.status == "active"


@pytest.mark.parametrize("token", ["", "short", "x" * 32])
def test_a_wrong_or_expired_link_says_the_same_thing(session, settings, token):
    with pytest.raises(DomainError) as raised:
        reconfirmation.reconfirm_view(session, token, NOW)
    assert raised.value.key == "owner.link_invalid"


def test_a_link_stops_working_when_it_expires(session, settings):
    owner = owner_confirmed_at(session, NOW)
    asked = NOW + YEAR
    reconfirmation.ask_for_reconfirmation(session, settings, asked)
    token = link_of(session, owner)
    end = asked + timedelta(hours=reconfirmation.reconfirm_link_hours(settings))

    reconfirmation.reconfirm_view(session, token, end - timedelta(minutes=1))
    with pytest.raises(DomainError):
        reconfirmation.confirm_cameras(session, token, end, settings)


def test_the_confirm_button_says_the_status_it_left(session, settings):
    owner = owner_confirmed_at(session, NOW)
    asked = NOW + YEAR
    reconfirmation.ask_for_reconfirmation(session, settings, asked)
    token = link_of(session, owner)
    reconfirmation.pause_unconfirmed(session, settings, asked + GRACE)

    done = reconfirmation.reconfirm_cameras(session, token, asked + GRACE + DAY, settings, IP)
    assert done == reconfirmation.Reconfirmed("active")
    assert owner.status == "active"
    (event,) = events(session, "owner.reconfirmed")
    assert event.ip_address == IP
    with pytest.raises(DomainError):
        reconfirmation.reconfirm_cameras(session, token, asked + GRACE + DAY, settings)


def test_an_owner_paused_by_choice_stays_held_back_after_confirming(session, settings):
    owner = owner_confirmed_at(session, NOW, status="paused", paused_at=NOW)
    reconfirmation.ask_for_reconfirmation(session, settings, NOW + YEAR)

    done = reconfirmation.reconfirm_cameras(session, link_of(session, owner), NOW + YEAR, settings)
    assert done == reconfirmation.Reconfirmed("paused")

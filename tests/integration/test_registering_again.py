"""Registering again with the same phone: a fresh consent, never a way around a pause.

Every case goes through the real sign-up use cases (``walk_to``) and the real radius search,
because what matters is whether police would reach the owner afterwards.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from camshare.models import Owner
from camshare.services import registration
from camshare.services.access.nearby import find_sites_near
from camshare.services.agreements import texts as agreements
from camshare.services.owners import account as owner_account
from camshare.services.owners import reconfirmation
from tests.support.access_builders import staff
from tests.unit.builders import MARILLA_POINT, clock, draft_row, walk_to


def register(session, settings, now):
    """Sign up (again) with the builders' phone; the owner row afterwards."""
    walk = walk_to(session, settings, "done", now=now)
    owner = session.scalar(select(Owner).where(Owner.phone_e164 == walk.phone_e164))
    session.refresh(owner)
    return walk.confirmation, owner


def found(session, owner) -> bool:
    return owner.id in {s.owner_id for s in find_sites_near(session, *MARILLA_POINT, 150)}


def publish_new_version(session, settings, now):
    """An admin publishes version 2099-01 and its owners are asked to accept it."""
    from camshare.services.owners import reconsent_requests

    text = {"title": "Agreement 2099", "summary": "One point.", "body": "One paragraph."}
    reconsent_requests.publish_and_ask(
        session,
        staff(session, "admin"),
        "2099-01",
        {"en": text, "es": {**text, "title": "Acuerdo 2099"}},
        {"en": "What changed.", "es": "Qué cambió."},
        settings,
        now,
    )


def test_a_paused_owner_who_registers_again_stays_paused_and_is_not_asked(session, settings):
    t0 = clock()
    _, owner = register(session, settings, t0)
    owner_account.pause(session, owner.id, settings, now=t0 + timedelta(minutes=5))
    assert not found(session, owner)

    confirmation, owner = register(session, settings, t0 + timedelta(minutes=10))

    assert confirmation.updated_existing
    assert owner.status == "paused"
    assert owner.paused_at is not None
    assert confirmation.status == "paused"
    assert not found(session, owner)
    # Resuming is what ends it.
    owner_account.resume(session, owner.id, settings, now=t0 + timedelta(minutes=20))
    assert found(session, owner)


def test_a_pause_until_a_date_keeps_its_date_through_a_new_registration(session, settings):
    t0 = clock()
    _, owner = register(session, settings, t0)
    until = t0 + timedelta(days=7)
    owner_account.pause(session, owner.id, settings, until=until, now=t0 + timedelta(minutes=5))

    confirmation, owner = register(session, settings, t0 + timedelta(minutes=10))

    assert owner.status == "paused"
    assert owner.paused_until == until
    assert confirmation.paused_until == until
    assert not found(session, owner)


def test_a_re_consent_pending_owner_who_signs_the_current_version_is_active(session, settings):
    t0 = clock()
    _, owner = register(session, settings, t0)
    publish_new_version(session, settings, t0 + timedelta(minutes=5))
    session.refresh(owner)
    assert owner.status == "reconsent"
    assert not found(session, owner)

    # The sign-up shows the version in force; the resident signs it.
    later = t0 + timedelta(minutes=10)
    walk = walk_to(session, settings, "agreement", now=later)
    current = agreements.current_agreement(session, "en")
    assert current.version == "2099-01"
    name = draft_row(session, walk.key).data["contact"]["full_name"]
    registration.accept_agreement(session, walk.key, current.id, True, name, None, None, now=later)
    walk = walk_to(session, settings, "done", key=walk.key, now=later)
    session.refresh(owner)

    assert walk.confirmation.agreement_version == "2099-01"
    assert owner.reconsent_requested_at is None
    assert owner.status == "active"
    assert found(session, owner)


def test_signing_an_older_version_again_leaves_the_re_consent_pending(session, settings):
    t0 = clock()
    _, owner = register(session, settings, t0)
    publish_new_version(session, settings, t0 + timedelta(minutes=5))

    # The builders' walk signs the bundled (older) text, as a page opened before publishing.
    confirmation, owner = register(session, settings, t0 + timedelta(minutes=10))

    assert confirmation.agreement_version != "2099-01"
    assert owner.reconsent_requested_at is not None
    assert owner.status == "reconsent"
    assert not found(session, owner)


def test_an_owner_unconfirmed_for_their_silence_is_active_after_registering_again(
    session, settings
):
    t0 = clock()
    _, owner = register(session, settings, t0)
    asked = t0 + timedelta(days=settings.reconfirm_after_days + 1)
    assert reconfirmation.ask_for_reconfirmation(session, settings, asked) == 1
    silent = asked + timedelta(days=settings.reconfirm_grace_days + 1)
    assert reconfirmation.pause_unconfirmed(session, settings, silent) == 1
    session.refresh(owner)
    assert owner.status == "unconfirmed"

    _, owner = register(session, settings, silent + timedelta(minutes=5))

    assert owner.status == "active"
    assert found(session, owner)


def test_a_paused_owner_with_a_pending_re_consent_stays_paused_and_only_the_pause_remains(
    session, settings
):
    t0 = clock()
    _, owner = register(session, settings, t0)
    owner_account.pause(session, owner.id, settings, now=t0 + timedelta(minutes=1))
    publish_new_version(session, settings, t0 + timedelta(minutes=5))

    later = t0 + timedelta(minutes=10)
    walk = walk_to(session, settings, "agreement", now=later)
    current = agreements.current_agreement(session, "en")
    name = draft_row(session, walk.key).data["contact"]["full_name"]
    registration.accept_agreement(session, walk.key, current.id, True, name, None, None, now=later)
    walk_to(session, settings, "done", key=walk.key, now=later)
    session.refresh(owner)

    assert owner.status == "paused"
    assert owner.reconsent_requested_at is None
    owner_account.resume(session, owner.id, settings, now=later + timedelta(minutes=1))
    assert owner.status == "active"
    assert found(session, owner)


def test_a_first_registration_is_active_and_found(session, settings):
    confirmation, owner = register(session, settings, clock())
    assert not confirmation.updated_existing
    assert owner.status == confirmation.status == "active"
    assert found(session, owner)

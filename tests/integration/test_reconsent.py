"""Re-consent: a new agreement version, owners asked once, held back, accepting again."""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from camshare.models import AuditEvent, Consent, OutboxMessage, Owner, OwnerLink, utcnow
from camshare.services.access.nearby import find_sites_near
from camshare.services.agreements import consent_history, publishing
from camshare.services.agreements import texts as agreements
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.owners import accepting_again, reconsent_requests
from camshare.services.owners.standing import refresh_status
from camshare.services.permissions import Forbidden
from camshare.services.tokens import token_hash
from tests.support.access_builders import INCIDENT, point_at, registered_owner, staff

LINK_RE = re.compile(r"/a/([A-Za-z0-9_\-]+)")


@pytest.fixture
def t0():
    """The test's clock: after the bundled agreement was published (at the real time)."""
    return utcnow().replace(microsecond=0) + timedelta(hours=1)


def texts(tag: str = "v2") -> tuple[dict, dict]:
    return (
        {
            "en": {
                "title": f"Camera sharing agreement {tag}",
                "summary": "Joining is voluntary.\n  Police never see your camera live.  \n\n",
                "body": ["1. Who we are.", "2. What changed: retention is now 90 days."],
            },
            "es": {
                "title": f"Acuerdo para compartir cámaras {tag}",
                "summary": ["Participar es voluntario.", "La policía nunca ve su cámara en vivo."],
                "body": "1. Quiénes somos.\n\n2. Qué cambió: ahora se guarda 90 días.",
            },
        },
        {
            "en": "Closed requests are now deleted after 90 days.",
            "es": "Las solicitudes cerradas ahora se borran a los 90 días.",
        },
    )


def publish(session, settings, now, version="2027-01", actor=None):
    actor = actor or staff(session, "admin")
    body, changes = texts(version)
    return reconsent_requests.publish_and_ask(session, actor, version, body, changes, settings, now)


def found(session, owner) -> bool:
    near = find_sites_near(session, INCIDENT[0], INCIDENT[1], 400)
    return owner.id in {site.owner_id for site in near}


def reconsent_sms(session, owner) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.owner_id == owner.id, OutboxMessage.purpose == "reconsent")
            .order_by(OutboxMessage.id)
        )
    )


def link_of(session, owner) -> str:
    (message,) = reconsent_sms(session, owner)
    return LINK_RE.search(message.body).group(1)


@pytest.fixture
def owners(session):
    """Two owners on the bundled version near the incident: one English, one Spanish."""
    agreements.publish_bundled(session)
    ana = registered_owner(session, point_at(50), name="Ana Example")
    jose = registered_owner(session, point_at(80), name="José Muñoz", language="es")
    return ana, jose


@pytest.mark.parametrize(
    ("role", "allowed"),
    [("admin", True), ("supervisor", False), ("police", False), ("outreach", False)],
)
def test_only_an_admin_publishes_a_version(session, settings, owners, t0, role, allowed):
    actor = staff(session, role)
    body, changes = texts()
    if allowed:
        published = publishing.publish_new_version(
            session, actor, "2027-01", body, changes, settings, t0
        )
        assert [t.language for t in published] == ["en", "es"]
        assert published[1].summary == [
            "Participar es voluntario.",
            "La policía nunca ve su cámara en vivo.",
        ]
        assert published[1].body == ["1. Quiénes somos.", "2. Qué cambió: ahora se guarda 90 días."]
        assert agreements.current_agreement(session, "es").version == "2027-01"
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "agreement.published")
        ).one()
        assert event.actor == actor.audit_name
    else:
        with pytest.raises(Forbidden):
            publishing.publish_new_version(session, actor, "2027-01", body, changes, settings, t0)
        assert agreements.current_agreement(session, "en").version == "2026-12"


def test_both_languages_are_required_and_the_label_must_be_new(session, settings, owners, t0):
    admin = staff(session, "admin")
    body, changes = texts()
    with pytest.raises(ValidationFailed) as failed:
        publishing.publish_new_version(
            session, admin, "2027-01", {"en": body["en"]}, {"en": changes["en"]}, settings, t0
        )
    assert failed.value.errors == {
        "es_title": "agreements.error_required",
        "es_summary": "agreements.error_required",
        "es_body": "agreements.error_required",
        "es_change": "agreements.error_required",
    }
    with pytest.raises(ValidationFailed) as failed:
        publishing.publish_new_version(session, admin, "2026-12", body, changes, settings, t0)
    assert failed.value.errors == {"version": "agreements.error_version_exists"}
    with pytest.raises(ValidationFailed) as failed:
        publishing.publish_new_version(session, admin, "new version!", body, changes, settings, t0)
    assert failed.value.errors == {"version": "agreements.error_version_format"}
    assert agreements.current_agreement(session, "en").version == "2026-12"


def test_owners_behind_are_asked_once_and_held_back_at_once(session, settings, owners, t0):
    ana, jose = owners
    assert found(session, ana)
    assert found(session, jose)
    _, asked = publish(session, settings, t0)
    assert asked == 2
    for owner, lang in ((ana, "en"), (jose, "es")):
        assert owner.reconsent_requested_at == t0
        assert owner.status == "reconsent"
        assert not found(session, owner)
        (message,) = reconsent_sms(session, owner)
        assert message.language == lang
        assert "2027-01" in message.body
        token = LINK_RE.search(message.body).group(1)
        assert token not in message.body_redacted
        assert "/a/... " in message.body_redacted
        link = session.scalar(select(OwnerLink).where(OwnerLink.token_sha256 == token_hash(token)))
        assert link.purpose == "reconsent"
        assert link.expires_at > t0 + timedelta(days=29)
    assert "pausa" in reconsent_sms(session, jose)[0].body
    # Asked once per version: a second round (the worker, a retry) asks nobody again.
    assert (
        reconsent_requests.ask_owners_to_reconsent(session, settings, t0 + timedelta(minutes=5))
        == 0
    )
    assert len(reconsent_sms(session, ana)) == 1
    # An owner who signs the new version at sign-up is not asked.
    newcomer = registered_owner(session, point_at(60), name="New Comer")
    current = agreements.current_agreement(session, "en")
    session.execute(
        Consent.__table__.update()
        .where(Consent.owner_id == newcomer.id)
        .values(agreement_version_id=current.id)
    )
    assert (
        reconsent_requests.ask_owners_to_reconsent(session, settings, t0 + timedelta(minutes=6))
        == 0
    )
    # A later version asks them again, with a new link.
    _, asked = publish(session, settings, t0 + timedelta(days=1), version="2027-02")
    assert asked == 3
    assert len(reconsent_sms(session, ana)) == 2


def test_asking_in_batches_reaches_everyone_once(session, settings, owners, t0):
    admin = staff(session, "admin")
    body, changes = texts()
    publishing.publish_new_version(session, admin, "2027-01", body, changes, settings, t0)
    assert reconsent_requests.ask_owners_to_reconsent(session, settings, t0, limit=1) == 1
    assert reconsent_requests.ask_owners_to_reconsent(session, settings, t0, limit=1) == 1
    assert reconsent_requests.ask_owners_to_reconsent(session, settings, t0, limit=1) == 0
    assert all(len(reconsent_sms(session, o)) == 1 for o in owners)


def test_without_reconsent_pauses_owners_are_asked_but_not_held_back(session, settings, owners, t0):
    relaxed = dataclasses.replace(settings, reconsent_pauses=False)
    ana, _ = owners
    _, asked = publish(session, relaxed, t0)
    assert asked == 2
    assert ana.reconsent_requested_at == t0
    assert ana.status == "active"
    assert found(session, ana)
    assert "paused" not in reconsent_sms(session, ana)[0].body


def test_opening_the_link_changes_nothing(session, settings, owners, t0):
    _, jose = owners
    publish(session, settings, t0)
    token = link_of(session, jose)
    later = t0 + timedelta(hours=2)
    for _ in range(2):
        view = accepting_again.reconsent_view(session, token, later)
    assert view.language == "es"
    assert view.agreement.version == "2027-01"
    assert view.agreement.language == "es"
    assert view.change_summary == "Las solicitudes cerradas ahora se borran a los 90 días."
    assert view.previous_version == "2026-12"
    assert accepting_again.reconsent_view(
        session, token, later, language="en"
    ).agreement.language == ("en")
    link = session.scalar(select(OwnerLink).where(OwnerLink.token_sha256 == token_hash(token)))
    assert link.used_at is None
    assert jose.status == "reconsent"
    assert jose.reconsent_requested_at == t0
    assert len(session.scalars(select(Consent).where(Consent.owner_id == jose.id)).all()) == 1
    with pytest.raises(DomainError) as bad:
        accepting_again.reconsent_view(session, "x" * 32, later)
    assert bad.value.key == "owner.link_invalid"
    with pytest.raises(DomainError):
        accepting_again.reconsent_view(session, token, t0 + timedelta(days=31))


def test_accepting_again(session, settings, owners, t0):
    ana, jose = owners
    publish(session, settings, t0)
    token = link_of(session, jose)
    later = t0 + timedelta(hours=3)
    shown = accepting_again.reconsent_view(session, token, later).agreement

    def accept(accepted, name, at=later):
        return accepting_again.accept_again(
            session,
            token,
            accepted,
            name,
            "198.51.100.4",
            "Mozilla/5.0 (Android)",
            settings,
            at,
            agreement_id=shown.id,
        )

    with pytest.raises(ValidationFailed) as failed:
        accept(True, "Ana Example")
    assert failed.value.errors == {"typed_name": "reconsent.error_name_mismatch"}
    with pytest.raises(ValidationFailed) as failed:
        accept(False, "")
    assert failed.value.errors == {
        "accepted": "reconsent.error_not_accepted",
        "typed_name": "error.typed_name_required",
    }
    assert jose.status == "reconsent"
    assert not found(session, jose)

    done = accept(True, "  jose   MUNOZ ")
    assert (done.version, done.language, done.status) == ("2027-01", "es", "active")
    assert jose.reconsent_requested_at is None
    assert found(session, jose)
    consent = session.scalars(
        select(Consent).where(Consent.owner_id == jose.id).order_by(Consent.id.desc())
    ).first()
    assert consent.text_sha256 == shown.text_sha256
    assert consent.text_sha256 == agreements.text_hash(shown.title, shown.summary, shown.body)
    assert consent.agreement_version_id == shown.id
    assert (consent.language, consent.accepted_at) == ("es", later)
    assert (consent.ip_address, consent.user_agent) == ("198.51.100.4", "Mozilla/5.0 (Android)")
    assert consent.typed_name == "jose MUNOZ"
    assert (
        session.scalars(select(AuditEvent).where(AuditEvent.action == "agreement.accepted_again"))
        .one()
        .subject
        == f"owner:{jose.id}"
    )

    # The link works once.
    with pytest.raises(DomainError) as used:
        accept(True, "José Muñoz", later + timedelta(minutes=1))
    assert used.value.key == "owner.link_invalid"

    history = consent_history.consent_history(session, jose.id)
    assert [(r.version, r.language) for r in history] == [("2026-12", "es"), ("2027-01", "es")]
    assert history[1].accepted_at == later
    assert history[1].withdrawn_at is None
    assert history[1].text_sha256 == shown.text_sha256
    # Ana has not accepted: still held back.
    assert ana.status == "reconsent"
    assert not found(session, ana)


def test_accepting_in_the_language_shown(session, settings, owners, t0):
    ana, _ = owners
    publish(session, settings, t0)
    token = link_of(session, ana)
    shown = accepting_again.reconsent_view(session, token, t0, language="es").agreement
    accepting_again.accept_again(
        session, token, True, "ana example", None, None, settings, t0, agreement_id=shown.id
    )
    consent = session.scalars(
        select(Consent).where(Consent.owner_id == ana.id).order_by(Consent.id.desc())
    ).first()
    assert (consent.language, consent.text_sha256) == ("es", shown.text_sha256)


def test_an_older_text_cannot_be_signed(session, settings, owners, t0):
    ana, _ = owners
    publish(session, settings, t0)
    token = link_of(session, ana)
    old = agreements.get_agreement(
        session,
        session.scalars(select(Consent).where(Consent.owner_id == ana.id))
        .one()
        .agreement_version_id,
    )
    with pytest.raises(DomainError) as changed:
        accepting_again.accept_again(
            session, token, True, "Ana Example", None, None, settings, t0, agreement_id=old.id
        )
    assert changed.value.key == "error.agreement_changed"
    assert ana.status == "reconsent"


def test_an_owner_who_paused_stays_paused_after_accepting(session, settings, owners, t0):
    ana, _ = owners
    ana.paused_at = t0 - timedelta(days=2)
    refresh_status(ana, settings, t0)
    assert ana.status == "paused"
    publish(session, settings, t0)
    assert ana.status == "paused"
    assert ana.reconsent_requested_at == t0
    token = link_of(session, ana)
    done = accepting_again.accept_again(
        session, token, True, "Ana Example", None, None, settings, t0 + timedelta(hours=1)
    )
    assert done.status == "paused"
    assert ana.status == "paused"
    assert ana.reconsent_requested_at is None
    assert not found(session, ana)


def test_opted_out_owners_get_no_sms_but_are_held_back(session, settings, owners, t0):
    ana, jose = owners
    ana.sms_opted_out_at = t0 - timedelta(days=3)
    _, asked = publish(session, settings, t0)
    assert asked == 2
    assert reconsent_sms(session, ana) == []
    assert ana.status == "reconsent"
    assert not found(session, ana)
    assert len(reconsent_sms(session, jose)) == 1


def test_admins_see_an_owners_consent_history(session, settings, owners, t0):
    ana, _ = owners
    publish(session, settings, t0)
    accepting_again.accept_again(
        session, link_of(session, ana), True, "Ana Example", None, None, settings, t0
    )
    for role in ("supervisor", "police", "outreach"):
        with pytest.raises(Forbidden):
            consent_history.consent_history_for_admin(session, staff(session, role), ana.id)
    admin = staff(session, "admin")
    history = consent_history.consent_history_for_admin(session, admin, ana.id, t0)
    assert [r.version for r in history] == ["2026-12", "2027-01"]
    viewed = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.history_viewed")
    ).one()
    assert (viewed.actor, viewed.subject) == (admin.audit_name, f"owner:{ana.id}")
    versions, waiting = consent_history.version_history(session, admin)
    assert [v.version for v in versions] == ["2027-01", "2026-12", "2026-11"]
    assert versions[0].change_summaries["es"].startswith("Las solicitudes cerradas")
    assert waiting == 1
    with pytest.raises(Forbidden):
        consent_history.version_history(session, staff(session, "supervisor"))


def test_owner_rows_stay_consistent(session, settings, owners, t0):
    publish(session, settings, t0)
    statuses = session.scalars(select(Owner.status).order_by(Owner.id)).all()
    assert statuses == ["reconsent", "reconsent"]


def test_asking_in_batches_of_their_own_transactions(factory, settings, t0):
    with factory() as session, session.begin():
        agreements.publish_bundled(session)
        ids = [registered_owner(session, point_at(50 + i)).id for i in range(5)]
        body, changes = texts()
        publishing.publish_new_version(
            session, staff(session, "admin"), "2027-01", body, changes, settings, t0
        )
    assert reconsent_requests.ask_in_batches(factory, settings, t0, batch=2) == 5
    assert reconsent_requests.ask_in_batches(factory, settings, t0, batch=2) == 0
    with factory() as session:
        statuses = session.scalars(select(Owner.status).where(Owner.id.in_(ids))).all()
        assert statuses == ["reconsent"] * 5
        texted = session.scalars(
            select(OutboxMessage.owner_id).where(OutboxMessage.purpose == "reconsent")
        ).all()
        assert sorted(texted) == sorted(ids)


def test_admins_look_up_an_owners_consent_history_by_phone_and_it_is_audited(session, settings):
    owner = registered_owner(session, (32.78, -96.80))
    admin = staff(session, "admin")
    records = consent_history.consent_history_by_phone(
        session, admin, owner.phone_e164[2:], settings
    )
    assert len(records) == 1
    viewed = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "consent.history_viewed")
    ).all()
    assert [v.subject for v in viewed] == [f"owner:{owner.id}"]
    with pytest.raises(Forbidden):
        consent_history.consent_history_by_phone(
            session, staff(session, "outreach"), owner.phone_e164, settings
        )
    with pytest.raises(DomainError, match="owner_not_found"):
        consent_history.consent_history_by_phone(session, admin, "(214) 555-0001", settings)


def test_changing_whether_re_consent_holds_back_reaches_owners_already_asked(factory, settings, t0):
    """The status is derived from a setting too: the worker applies a change to it."""
    from camshare.worker import upkeep

    with factory() as session, session.begin():
        owner_id = registered_owner(session, INCIDENT).id
        publish(session, settings, t0)
        assert session.get(Owner, owner_id).status == "reconsent"

    relaxed = dataclasses.replace(settings, reconsent_pauses=False)
    assert upkeep(factory, relaxed, t0 + timedelta(hours=1))["standing_refreshed"] == 1
    with factory() as session:
        owner = session.get(Owner, owner_id)
        assert owner.status == "active"
        assert found(session, owner)

    assert upkeep(factory, settings, t0 + timedelta(hours=2))["standing_refreshed"] == 1
    with factory() as session:
        owner = session.get(Owner, owner_id)
        assert owner.status == "reconsent"
        assert not found(session, owner)

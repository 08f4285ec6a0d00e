"""An owner on a phone answers the two texts that keep the registry current: a new
agreement version to accept again, and "do you still have these cameras?"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from camshare.i18n import catalog
from camshare.models import OutboxMessage, Owner
from camshare.routes import reconfirm_path
from camshare.services.agreements.publishing import publish_new_version
from camshare.services.owners.links import new_owner_link
from camshare.services.owners.reconsent_requests import ask_owners_to_reconsent
from camshare.settings import load_settings
from tests.support.access_builders import registered_owner, staff

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)


def test_an_owner_accepts_a_new_agreement_version_from_the_link(police_app, phone: Page):
    factory = sessionmaker(bind=police_app.engine, expire_on_commit=False)
    with factory() as session, session.begin():
        owner = registered_owner(session, (32.79, -96.81), name="Luis Peña")
        texts = {
            lang: {"title": f"Agreement {lang}", "summary": "Point one", "body": "Body text"}
            for lang in ("en", "es")
        }
        publish_new_version(
            session,
            staff(session, "admin"),
            "2027-01",
            texts,
            {"en": "Footage is kept 30 days, not 60.", "es": "El video se guarda 30 días."},
            load_settings({}),
        )
        # Asked as the app asks (its worker would otherwise do it, and a newer link would
        # replace one made here): the link is the one in the owner's SMS.
        ask_owners_to_reconsent(session, load_settings({}))
        phone_e164 = owner.phone_e164
    with factory() as session:
        sms = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.purpose == "reconsent", OutboxMessage.to_e164 == phone_e164
            )
        ).one()
        path = re.search(r"/a/[A-Za-z0-9_-]+", sms.body).group(0)
    t = catalog("en")
    phone.goto(police_app.url + path)
    expect(phone.get_by_test_id("change-summary")).to_contain_text("30 days")
    phone.click("#accept")
    expect(phone.get_by_role("alert").first).to_be_visible()  # nothing ticked, nothing typed
    phone.get_by_label(t["reconsent.accept_box"]).check()
    phone.get_by_label(t["reconsent.typed_name"]).fill("luis pena")
    phone.click("#accept")
    expect(phone.get_by_test_id("reconsent-done")).to_be_visible()
    phone.reload()
    expect(phone.get_by_test_id("link-problem")).to_be_visible()  # used once


def test_an_owner_confirms_their_cameras_with_one_tap(police_app, phone: Page):
    factory = sessionmaker(bind=police_app.engine, expire_on_commit=False)
    with factory() as session, session.begin():
        owner = registered_owner(session, (32.795, -96.805), name="Mia Chen")
        token = new_owner_link(session, owner, "reconfirm", 72)
        owner_id = owner.id
    phone.goto(police_app.url + reconfirm_path(token))
    expect(phone.get_by_test_id("reconfirm-sites")).to_be_visible()
    phone.click("#confirm-cameras")
    expect(phone.get_by_test_id("reconfirmed")).to_be_visible()
    with factory() as session:
        assert session.get(Owner, owner_id).confirmed_at is not None

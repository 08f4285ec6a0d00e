"""A paused owner signs up again on their phone: the confirmation says the pause still holds."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.i18n import catalog
from camshare.models import Owner
from camshare.services.owners import account as owner_account
from camshare.settings import load_settings
from tests.e2e.conftest import LiveApp, running_app
from tests.e2e.test_sign_up import finish, sign_up

pytestmark = pytest.mark.e2e

PHONE, PHONE_E164 = "(214) 555-0177", "+12145550177"


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Iterator[LiveApp]:
    """The production build; a second code may go to the same number at once."""
    with running_app(tmp_path_factory.mktemp("again"), CAMSHARE_OTP_RESEND_SECONDS="0") as live:
        yield live


def owner_status(app: LiveApp) -> str:
    with Session(app.engine) as session:
        return session.scalar(select(Owner.status).where(Owner.phone_e164 == PHONE_E164))


def register(page: Page, t: dict[str, str]) -> None:
    code_field = sign_up(
        page, t, name="Rosa Díaz", phone=PHONE, street="1500 Marilla St", zip_code="75201"
    )
    finish(page, t, code_field, PHONE_E164)


def test_registering_again_keeps_the_pause_and_says_so(app, phone: Page):
    t = catalog("en")
    phone.goto(f"{app.url}/join/PARK25")
    register(phone, t)
    expect(phone.get_by_text(t["done.still_paused"])).to_have_count(0)
    with Session(app.engine) as session, session.begin():
        owner_id = session.scalar(select(Owner.id).where(Owner.phone_e164 == PHONE_E164))
        owner_account.pause(session, owner_id, load_settings({}))

    phone.get_by_role("button", name=t["done.another"]).click()
    register(phone, t)

    expect(phone.get_by_text(t["done.still_paused"])).to_be_visible()
    assert owner_status(app) == "paused"

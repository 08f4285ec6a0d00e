"""The production path for SMS: the real twilio client, a stand-in Twilio, signed callbacks."""

from __future__ import annotations

import re
import time

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from camshare.i18n import catalog
from camshare.models import OutboxMessage
from tests.e2e.conftest import running_app
from tests.e2e.test_sign_up import sign_up, wait_for_step
from tests.support.twilio_standin import TwilioStandin

pytestmark = pytest.mark.e2e

ACCOUNT = "AC" + "1" * 32
TOKEN = "e2e-auth-token"
PHONE = "+12145550190"


@pytest.fixture(scope="module")
def twilio():
    """A stand-in for Twilio's Messages API."""
    with TwilioStandin(account_sid=ACCOUNT, auth_token=TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def twilio_app(tmp_path_factory, twilio):
    """camshare configured as in production: SMS through Twilio, no demo outbox page."""
    with running_app(
        tmp_path_factory.mktemp("twilio"),
        CAMSHARE_SMS_BACKEND="twilio",
        TWILIO_ACCOUNT_SID=ACCOUNT,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM_NUMBER="+12145550000",
        CAMSHARE_TWILIO_API_BASE_URL=twilio.base_url,
        CAMSHARE_SECRET_KEY="e2e-secret",
        CAMSHARE_SMS_PER_SECOND="50",
    ) as app:
        yield app


def wait_for_message(twilio: TwilioStandin, to: str, containing: str, limit: float = 20):
    """The dispatcher sends within a second or two of the change that queued a message."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        for message in twilio.messages:
            if message.to == to and containing in message.body:
                return message
        time.sleep(0.2)  # the dispatcher runs in the app's process: poll what reached Twilio
    raise AssertionError(f"no SMS to {to} containing {containing!r} within {limit} s")


def test_sign_up_with_sms_through_twilio(twilio_app, twilio, phone: Page):
    t = catalog("en")
    phone.goto(f"{twilio_app.url}/join/PARK25")
    code_field = sign_up(
        phone, t, name="Lena Park", phone="(214) 555-0190", street="2500 Elm St", zip_code="75226"
    )
    code_sms = wait_for_message(twilio, PHONE, "verification code")
    assert code_sms.status_callback == f"{twilio_app.url}/api/twilio/status"
    code_field.fill(re.search(r"\b(\d{6})\b", code_sms.body).group(1))
    phone.get_by_role("button", name=t["verify.submit"]).click()
    wait_for_step(phone, "done")
    receipt = wait_for_message(twilio, PHONE, "/manage/")

    # Once Twilio has them, the stored copies no longer hold the code or the link.
    with Session(twilio_app.engine) as session:
        stored = {
            m.provider_sid: m
            for m in session.scalars(select(OutboxMessage).where(OutboxMessage.to_e164 == PHONE))
        }
    assert stored[code_sms.sid].status == "sent"
    assert not re.search(r"\d{6}", stored[code_sms.sid].body)
    assert "/manage/" in stored[receipt.sid].body
    assert receipt.body.split("/manage/")[1][:8] not in stored[receipt.sid].body

    # Twilio reports delivery; the report is signed with the account's token.
    form = {"MessageSid": receipt.sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT}
    url = f"{twilio_app.url}/api/twilio/status"
    signature = RequestValidator(TOKEN).compute_signature(url, form)
    answer = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert answer.status_code == 204
    forged = requests.post(url, data=form, headers={"X-Twilio-Signature": "nope"}, timeout=10)
    assert forged.status_code == 403
    with Session(twilio_app.engine) as session:
        assert session.get(OutboxMessage, stored[receipt.sid].id).provider_status == "delivered"


def test_the_demo_outbox_is_not_there_when_sms_are_real(twilio_app, phone: Page):
    t = catalog("en")
    phone.goto(f"{twilio_app.url}/outbox")
    expect(phone.get_by_role("heading", name=t["outbox.title"])).to_be_visible()
    expect(phone.get_by_text(t["outbox.lead"])).not_to_be_visible()
    expect(phone.get_by_test_id("outbox-message")).to_have_count(0)

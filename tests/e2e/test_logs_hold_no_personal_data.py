"""Every log line the app wrote while a resident signed up, verified, signed in with a code
and opened their receipt link: JSON with a request id, and none of the values they typed,
their codes or their link's token."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from camshare.i18n import catalog
from tests.e2e.test_my_registration import owner_signs_in
from tests.e2e.test_sign_up import finish, registered, sign_up, wait_until_sent

pytestmark = pytest.mark.e2e
expect.set_options(timeout=15_000)

NAME = "Zebulon Quaxley-Fennimore"
NUMBER = "+12145550177"
STREET = "1500 Marilla St"


def test_no_log_line_holds_what_a_resident_typed_or_was_sent(live_app, phone: Page):
    t = catalog("en")
    phone.goto(f"{live_app.url}/join/PARK25")
    code_field = sign_up(
        phone, t, name=NAME, phone="(214) 555-0177", street=STREET, zip_code="75201"
    )
    finish(phone, t, code_field, NUMBER)
    _, _, _, _, messages = registered(live_app, NUMBER)
    receipt = next(m for m in messages if m.purpose == "registration_receipt")
    wait_until_sent(live_app, receipt.id)
    link = re.search(r"https?://\S+/manage/(\S+)", receipt.body)
    phone.goto(f"{live_app.url}/manage/{link.group(1)}")
    expect(phone.get_by_role("heading", name=t["manage.title"])).to_be_visible()
    phone.goto(f"{live_app.url}/my/sign-in")
    owner_signs_in(phone, live_app.url, NUMBER)

    secrets = {
        "name": NAME,
        "surname": "Quaxley",
        "phone": "5550177",
        "phone as typed": "555-0177",
        "street": "Marilla St",
        "manage token": link.group(1),
    }
    for message in messages:
        for code in re.findall(r"\b\d{6}\b", message.body):
            secrets[f"code in message {message.id}"] = code
    lines = live_app.log.read_text(encoding="utf-8").splitlines()
    structured = [json.loads(line) for line in lines if line.startswith('{"time"')]
    assert structured, "the server wrote no JSON log line"
    assert any(entry["request_id"] for entry in structured)
    # The access log's requests are there, with their token masked.
    assert any("/manage/[redacted]" in entry["message"] for entry in structured)
    leaks = [(what, line) for line in lines for what, value in secrets.items() if value in line]
    assert leaks == []

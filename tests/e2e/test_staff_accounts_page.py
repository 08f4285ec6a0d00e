"""The admin's new-account form in Chromium: the password never stays in the page's state."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from camshare.models import StaffUser
from tests.e2e.test_access_request import desk_page, sign_in

pytestmark = pytest.mark.e2e

SHORT = "too short"
GOOD = "a long initial passphrase"


def test_a_refused_password_is_blank_again_and_the_rest_stays_typed(police_app, browser):
    admin = desk_page(browser)
    sign_in(admin, police_app.url, "admin", "/staff/users")
    sent: list[str] = []
    received: list[str] = []

    def watch(socket) -> None:
        socket.on("framesent", lambda frame: sent.append(str(frame)))
        socket.on("framereceived", lambda frame: received.append(str(frame)))

    admin.on("websocket", watch)
    admin.reload()
    expect(admin.locator("#f-username")).to_be_editable()

    admin.fill("#f-username", "dana")
    admin.fill("#f-display_name", "Dana Example")
    admin.select_option("#f-role", "outreach")
    admin.fill("#f-password", SHORT)
    admin.click("#create-user")

    expect(admin.locator("#f-password-error")).to_be_visible()
    expect(admin.locator("#f-password")).to_have_value("")
    expect(admin.locator("#f-username")).to_have_value("dana")
    expect(admin.locator("#f-display_name")).to_have_value("Dana Example")
    # The password went to the server once, in the submitted form, and came back never.
    assert sum(SHORT in frame for frame in sent) == 1
    assert received
    assert not any(SHORT in frame for frame in received)

    admin.fill("#f-password", GOOD)
    admin.click("#create-user")
    expect(admin.locator("[data-username=dana]")).to_be_visible()
    with police_app.engine.connect() as connection:
        assert connection.scalar(select(StaffUser.role).where(StaffUser.username == "dana")) == (
            "outreach"
        )

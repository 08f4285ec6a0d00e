"""With no network at all, the installed service worker shows a calm offline page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from camshare.i18n import catalog
from tests.e2e.test_sign_up import wait_for_step

pytestmark = pytest.mark.e2e


def test_when_the_server_is_unreachable_an_offline_page_explains(live_app, phone: Page):
    phone.goto(f"{live_app.url}/join/PARK25")
    wait_for_step(phone, "contact")
    assert phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.reload()  # now the service worker controls the page
    wait_for_step(phone, "contact")

    phone.get_by_label(catalog("en")["contact.full_name"]).fill("Kept While Offline")
    live_app.server.stop()  # the network is gone, for the page and the worker alike

    # The open page says the connection is lost and keeps what was typed.
    expect(phone.get_by_text(catalog("en")["app.connection_lost"])).to_be_visible()
    expect(phone.get_by_label(catalog("en")["contact.full_name"])).to_have_value(
        "Kept While Offline"
    )

    phone.goto(f"{live_app.url}/join/PARK25")

    expect(phone.get_by_text("You are offline")).to_be_visible()
    expect(phone.get_by_text("Sin conexión")).to_be_visible()
    expect(phone.get_by_role("link", name=re.compile("Try again"))).to_be_visible()

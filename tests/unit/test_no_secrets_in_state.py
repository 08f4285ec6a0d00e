"""Session credentials, passwords and codes never live in state: public vars are synced
to the browser.

Reflex sends every state var whose name does not start with ``_`` to the browser and
keeps it there across errors and page visits; an ``rx.Cookie`` var is also readable by
any script on the page. A password or code is read from the submitted form by the one
handler that uses it, and dropped. Session tokens are HttpOnly cookies read on the server,
and the half-done staff sign-in is kept in a backend-only var.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from reflex.istate.storage import Cookie
from reflex.state import BaseState, State

import camshare.camshare  # noqa: F401 - registers every page's state
from camshare import runtime
from camshare.services.errors import ValidationFailed
from camshare.services.permissions import Actor
from camshare.services.staff import accounts
from camshare.state.staff_sign_in import SignInState
from camshare.state.staff_users import StaffUsersState
from tests.support.asyncio_run import run as run_coroutine

PASSWORD = "correct horse battery staple"
SECRET_NAME = re.compile(
    r"token|session|password|passcode|passphrase|secret|otp|totp|(^|_)code($|_)|pin$"
)
# Names that match but hold nothing secret.
# (Reflex's own router session holds the tab's client token and socket id, no credential.)
NOT_SECRET = {"campaign_code", "zip_code", "code_sent", "reply_code", "rx_router_session"}
# The TOTP secret must reach the browser once, to be scanned into an authenticator app;
# the sign-in page belongs to the session-security work, which decides where it lives.
# The bridge's pairing code likewise must be read off /my once and typed into the bridge
# (it works once, for 15 minutes; a new one voids it).
SHOWN_TO_ENROL = {("SignInState", "enrol_secret"), ("MyLiveState", "pairing_code")}


def all_states() -> list[type[BaseState]]:
    found, todo = [], [State]
    while todo:
        state = todo.pop()
        found.append(state)
        todo.extend(state.get_substates())
    return found


@pytest.mark.parametrize("state", all_states(), ids=lambda s: s.__name__)
def test_no_public_var_is_named_for_a_password_or_code(state):
    suspicious = [
        name
        for name in state.base_vars
        if not name.startswith("_")
        and SECRET_NAME.search(name)
        and name not in NOT_SECRET
        and (state.__name__, name) not in SHOWN_TO_ENROL
    ]
    assert suspicious == []


def test_no_state_keeps_a_cookie_scripts_can_read():
    cookies = [
        f"{state.__name__}.{name}"
        for state in all_states()
        for name, field in state.get_fields().items()
        if isinstance(field.default, Cookie)
    ]
    assert cookies == []


def test_the_half_done_staff_sign_in_stays_on_the_server():
    assert "_pending_token" in SignInState.get_fields()
    assert "_pending_token" not in SignInState.base_vars


def test_the_scan_sees_every_page_state():
    names = {state.__name__ for state in all_states()}
    assert {"StaffUsersState", "JoinState", "SignInState", "OwnerState"} <= names


# --- the new-account form ---------------------------------------------------------------------


@dataclass
class UseCases:
    """What the faked use cases refuse with (None: they succeed), and what they were given."""

    refuse: dict[str, str] | None = None
    calls: list[tuple] = field(default_factory=list)


@pytest.fixture
def users_page(monkeypatch):
    """The new-account form's state, signed in as an admin, with the use cases faked."""
    root = State(_reflex_internal_init=True)
    page = root.get_substate(StaffUsersState.get_full_name().split(".")[1:])
    fake = UseCases()

    async def signed_in(self, action):
        return Actor(1, "chief", "admin", None)

    async def use_case(work, *args, **kwargs):
        fake.calls.append((work, args))
        if work is accounts.add_staff_account:
            if fake.refuse:
                raise ValidationFailed(fake.refuse)
            return type("Created", (), {"username": args[1]})()
        return []

    monkeypatch.setattr(StaffUsersState, "_require", signed_in)
    monkeypatch.setattr(runtime, "in_session_async", use_case)
    return root, page, fake


def submit(page, **fields):
    form = {"username": "dana", "display_name": "Dana Example", "role": "outreach"}
    form.update(phone_e164="", password=PASSWORD, **fields)
    run_coroutine(StaffUsersState.create.fn(page, form))


def synced(root) -> str:
    """Everything the browser holds of the state, as text."""
    return repr(root.dict())


@pytest.mark.parametrize(
    "refusal",
    [{"username": "staff.username_taken"}, {"password": "staff.password_has_username"}],
    ids=["other field wrong", "password wrong"],
)
def test_after_an_error_the_password_is_gone_and_the_rest_stays_typed(users_page, refusal):
    root, page, fake = users_page
    fake.refuse = refusal
    form_before = page.form_version

    submit(page)

    assert PASSWORD not in synced(root)
    assert page.typed == {
        "username": "dana",
        "display_name": "Dana Example",
        "role": "outreach",
        "phone_e164": "",
    }
    # The form is mounted anew, so the browser's password field is blank, with a message.
    assert page.form_version == form_before + 1
    assert page.errors["password"] == refusal.get("password", "users.password_again")
    # The password did reach the use case, from the submitted form.
    (created,) = [args for work, args in fake.calls if work is accounts.add_staff_account]
    assert PASSWORD in created


def test_after_success_nothing_typed_is_kept(users_page):
    root, page, _fake = users_page

    submit(page)

    assert PASSWORD not in synced(root)
    assert set(page.typed.values()) == {""}
    assert page.done == "users.created"


def test_a_password_field_losing_focus_is_not_kept(users_page):
    root, page, _fake = users_page

    StaffUsersState.remember.fn(page, "password", PASSWORD)

    assert PASSWORD not in synced(root)

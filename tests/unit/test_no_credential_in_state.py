"""No session credential, password or typed code lives in a public state var.

Public vars (names without a leading ``_``) are synced to the browser in every state
delta; an ``rx.Cookie`` var is also readable by any script on the page. Session tokens
are HttpOnly cookies read on the server, and the half-done staff sign-in is kept in a
backend-only var.
"""

from __future__ import annotations

import re

from reflex.istate.storage import Cookie

import camshare.camshare  # noqa: F401 - registers every page's state
from camshare.state.base import AppState
from camshare.state.staff_sign_in import SignInState

# "enrol_secret" is the TOTP secret the page must show for typing into an app, once.
# (Codes are named "code"; campaign and ZIP codes are no secret.)
CREDENTIAL = re.compile(r"token|password|session|^(typed_|signin_|sms_)?code$|otp")


def all_states() -> list[type]:
    found, todo = [], [AppState]
    while todo:
        state = todo.pop()
        found.append(state)
        todo.extend(state.__subclasses__())
    return found


def test_no_state_keeps_a_cookie_scripts_can_read():
    cookies = [
        f"{state.__name__}.{name}"
        for state in all_states()
        for name, field in state.get_fields().items()
        if isinstance(field.default, Cookie)
    ]
    assert cookies == []


def test_no_public_var_is_named_like_a_credential():
    public = [
        f"{state.__name__}.{name}"
        for state in all_states()
        for name in state.base_vars
        if CREDENTIAL.search(name)
    ]
    assert public == []


def test_the_half_done_staff_sign_in_stays_on_the_server():
    assert "_pending_token" in SignInState.get_fields()
    assert "_pending_token" not in SignInState.base_vars

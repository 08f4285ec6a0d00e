"""Every staff event handler that reaches a use case checks the session and role first.

Hiding a button is not access control: a browser can send any event of its state. This
reads each handler of every staff state and fails when one calls into the application
(``runtime.``) without a server-side check; handlers that only keep what was typed are
allowed, since they reach nothing.
"""

from __future__ import annotations

import inspect

import pytest

import camshare.camshare  # noqa: F401 - registers every page's state
from camshare.state.staff import StaffState
from camshare.state.staff_sign_in import SignInState

# The checks, and the helpers that begin with one (StaffState._run, BoardState._with_actor…).
CHECKS = ("_require(", "_open_page(", "_with_actor(", "_actor(", "self._act(", "self._run(")
# Signing out ends the caller's own session: no role is needed for that.
ALLOWED = {("StaffState", "sign_out")}
# The sign-in page is where a session is made: its handlers are the check.
PUBLIC = {SignInState}


def staff_states() -> list[type]:
    found, todo = [], [StaffState]
    while todo:
        state = todo.pop()
        found.append(state)
        todo.extend(state.__subclasses__())
    return found


def handlers(state: type) -> list[tuple[str, str]]:
    """(name, source) of the event handlers defined on ``state`` itself."""
    result = []
    for name, handler in state.event_handlers.items():
        function = getattr(handler, "fn", None)
        if function is None or function.__qualname__.split(".")[0] != state.__name__:
            continue
        result.append((name, inspect.getsource(function)))
    return result


def test_the_scan_sees_the_staff_pages():
    names = {state.__name__ for state in staff_states()}
    assert {"BoardState", "NewRequestState", "StaffUsersState", "StaffAuditState"} <= names


@pytest.mark.parametrize("state", staff_states(), ids=lambda s: s.__name__)
def test_each_handler_that_reaches_the_application_checks_the_role(state):
    if state in PUBLIC:
        pytest.skip("the sign-in page creates the session")
    unchecked = [
        name
        for name, source in handlers(state)
        if "runtime." in source
        and not any(check in source for check in CHECKS)
        and (state.__name__, name) not in ALLOWED
    ]
    assert unchecked == []

"""Every handler of the owner's own pages that reaches the application checks who is
signed in first (the cookie alone proves nothing: it is looked up on the server)."""

from __future__ import annotations

import pytest

import camshare.camshare  # noqa: F401 - registers every page's state
from camshare.state.owner import MyState
from tests.unit.test_staff_handlers_check_roles import handlers

CHECKS = ("self._owner_id(", "self._act(", "signed_in_owner")
# Signing out ends the caller's own session: nothing to check.
ALLOWED = {("MyState", "sign_out")}


def owner_states() -> list[type]:
    found, todo = [], [MyState]
    while todo:
        state = todo.pop()
        found.append(state)
        todo.extend(state.__subclasses__())
    return found


def test_the_scan_sees_the_owner_pages():
    assert {"MyState", "OwnerLocationsState"} <= {s.__name__ for s in owner_states()}


@pytest.mark.parametrize("state", owner_states(), ids=lambda s: s.__name__)
def test_each_handler_that_reaches_the_application_checks_the_owner(state):
    unchecked = [
        name
        for name, source in handlers(state)
        if "runtime." in source
        and not any(check in source for check in CHECKS)
        and (state.__name__, name) not in ALLOWED
    ]
    assert unchecked == []

"""Every privileged staff and owner handler refuses a caller without the permission.

Each handler is called, as each staff role (and signed out), on a real state instance
with a fake ``runtime.in_session_async``: the session look-up answers with an Actor of
that role, and any other use case fails the test if reached. The table of handlers comes
from the guard's registry (``GUARDED``) and the permissions table; a handler of a staff
or owner state that is neither guarded nor listed in ``PUBLIC`` fails the test, so a new
one cannot be forgotten.
"""

from __future__ import annotations

import inspect

import pytest
from reflex.state import State

import camshare.camshare  # noqa: F401 - registers every page's state
from camshare import routes, runtime
from camshare.services.owners import account as owner_account
from camshare.services.permissions import PERMISSIONS, ROLES, Actor, may
from camshare.services.staff.sessions import resolve_session
from camshare.state.guard import GUARDED, OWNER_SIGNED_IN, PUBLIC
from camshare.state.owner import OwnerState
from camshare.state.staff import StaffState
from tests.support.asyncio_run import run as run_coroutine
from tests.unit.test_no_secrets_in_state import all_states

STATES = {s.__name__: s for s in all_states() if issubclass(s, (StaffState, OwnerState))}


def _own_handlers() -> dict[str, tuple[type, str]]:
    """qualname -> (state, handler name) for each handler defined on a staff/owner state."""
    found = {}
    for state in STATES.values():
        for name, handler in state.event_handlers.items():
            qualname = handler.fn.__qualname__
            if qualname.split(".")[0] == state.__name__:
                found[qualname] = (state, name)
    return found


HANDLERS = _own_handlers()
STAFF = sorted(q for q, p in GUARDED.items() if p != OWNER_SIGNED_IN and q in HANDLERS)
OWNER = sorted(q for q, p in GUARDED.items() if p == OWNER_SIGNED_IN and q in HANDLERS)


def test_every_handler_is_guarded_or_listed_public():
    assert sorted(set(HANDLERS) - set(GUARDED) - PUBLIC) == []


def test_the_registry_names_real_permissions_and_handlers():
    assert {"BoardState.approve", "NewRequestState.submit", "StaffHomeState.load"} <= set(STAFF)
    assert {"MyState.withdraw", "OwnerLocationsState.find_address"} <= set(OWNER)
    assert {GUARDED[q] for q in STAFF} <= set(PERMISSIONS)
    assert not PUBLIC & set(GUARDED)


class UseCaseReached(AssertionError):
    """A handler went past its guard."""


def _fake_runtime(monkeypatch, *, role: str | None, owner_id: int | None = None) -> list:
    reached: list = []

    async def in_session_async(work, *args, **kwargs):
        if work is resolve_session:
            return None if role is None else Actor(7, "someone", role)
        if work is owner_account.signed_in_owner:
            return owner_id
        reached.append(work)
        raise UseCaseReached(work)

    monkeypatch.setattr(runtime, "in_session_async", in_session_async)
    return reached


def _arguments(function) -> list:
    dummy = {"str": "1", "float": 1.0, "bool": True, "int": 1}
    values = []
    for parameter in list(inspect.signature(function).parameters.values())[1:]:
        annotation = str(parameter.annotation)
        values.append(next((v for k, v in dummy.items() if annotation == k), {}))
    return values


def _call(qualname: str):
    return run_coroutine(_run(qualname))


async def _run(qualname: str):
    state_class, name = HANDLERS[qualname]
    root = State(_reflex_internal_init=True)
    state = root.get_substate(state_class.get_full_name().split(".")[1:])
    function = state_class.event_handlers[name].fn
    result = function(state, *_arguments(function))
    if inspect.isasyncgen(result):
        return state, [update async for update in result]
    return state, [await result]


def _is_redirect_to(updates: list, path: str) -> bool:
    return any(update is not None and path in str(update) for update in updates)


CASES = [
    (qualname, role) for qualname in STAFF for role in ROLES if not may(role, GUARDED[qualname])
]


@pytest.mark.parametrize(("qualname", "role"), CASES, ids=[f"{q}-{r}" for q, r in CASES])
def test_a_role_without_the_permission_is_refused(monkeypatch, qualname, role):
    reached = _fake_runtime(monkeypatch, role=role)
    state, updates = _call(qualname)
    assert reached == []
    assert state.forbidden is True
    assert not _is_redirect_to(updates, routes.STAFF_SIGN_IN)


@pytest.mark.parametrize("qualname", STAFF)
def test_a_signed_out_visitor_is_sent_to_sign_in(monkeypatch, qualname):
    reached = _fake_runtime(monkeypatch, role=None)
    state, updates = _call(qualname)
    assert reached == []
    assert _is_redirect_to(updates, routes.STAFF_SIGN_IN)
    assert state.staff_role == ""


@pytest.mark.parametrize("qualname", OWNER)
def test_a_signed_out_owner_is_sent_to_sign_in(monkeypatch, qualname):
    reached = _fake_runtime(monkeypatch, role=None, owner_id=None)
    _, updates = _call(qualname)
    assert reached == []
    assert _is_redirect_to(updates, routes.MY_SIGN_IN)


@pytest.mark.parametrize("qualname", STAFF)
def test_a_role_with_the_permission_gets_past_the_guard(monkeypatch, qualname):
    role = next(r for r in ROLES if may(r, GUARDED[qualname]))
    _fake_runtime(monkeypatch, role=role)
    try:
        state, _ = _call(qualname)
    except UseCaseReached:
        return
    assert state.forbidden is False

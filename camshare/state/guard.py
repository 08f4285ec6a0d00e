"""The one way a privileged event handler checks who is calling: a guard decorator.

``guarded(permission, resolve)`` wraps a handler so that ``resolve(state, permission)``
runs on the server first. It returns ``(who, None)`` when the caller may go on, and
``(None, refusal)`` otherwise; the handler then never runs and the refusal (a redirect,
or None with the page marked forbidden) is what the event returns. ``who`` (the staff
Actor, or the owner's id) is passed to the handler as its first argument, so the handler
cannot act without it. Each wrapped handler is registered in ``GUARDED`` with its
permission, so tests can enumerate every guarded handler.

``staff_event`` (state/staff.py) and ``owner_event`` (state/owner.py) are the two guards.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

# Handler qualname ("BoardState.approve") -> the permission it checks.
GUARDED: dict[str, str] = {}

# The permission owner handlers check: a signed-in owner acting on their own data.
OWNER_SIGNED_IN = "owner.signed_in"

Resolve = Callable[[Any, str], Awaitable[tuple[Any, Any]]]


def _without_first_argument(handler: Any, fn: Callable) -> None:
    """What Reflex sees of ``handler``: ``fn``'s signature less the ``who`` argument."""
    signature = inspect.signature(fn)
    parameters = list(signature.parameters.values())
    who = parameters.pop(1).name
    handler.__signature__ = signature.replace(parameters=parameters)
    handler.__annotations__ = {k: v for k, v in fn.__annotations__.items() if k != who}
    del handler.__wrapped__


def guarded(permission: str, resolve: Resolve) -> Callable[[Callable], Callable]:
    """The decorator running ``resolve`` before the handler and passing it ``who``."""

    def wrap(fn: Callable) -> Callable:
        if inspect.isasyncgenfunction(fn):

            async def handler(self, *args, **kwargs):
                who, refusal = await resolve(self, permission)
                if who is None:
                    yield refusal
                    return
                async for update in fn(self, who, *args, **kwargs):
                    yield update

        else:

            async def handler(self, *args, **kwargs):
                who, refusal = await resolve(self, permission)
                if who is None:
                    return refusal
                return await fn(self, who, *args, **kwargs)

        functools.update_wrapper(handler, fn)
        _without_first_argument(handler, fn)
        GUARDED[fn.__qualname__] = permission
        return handler

    return wrap


# The handlers of staff and owner states that are deliberately not guarded: they make a
# session (sign-in, the receipt's link), end the caller's own, or only keep what was
# typed in this tab without reaching the application. Every other handler is in GUARDED
# (tests/unit/test_guarded_handlers.py fails otherwise).
PUBLIC: frozenset[str] = frozenset(
    {
        # Making or ending the caller's own session.
        "SignInState.load",
        "SignInState.submit_password",
        "SignInState.submit_code",
        "SignInState.start_again",
        "StaffState.sign_out",
        # The caller's own language (kept on their account only once the session checks).
        "StaffState.switch_language",
        "OwnerSignInState.load",
        "OwnerSignInState.send_code",
        "OwnerSignInState.check_code",
        "OwnerSignInState.other_number",
        "ManageLinkState.load",
        "ManageLinkState.open",
        "MyState.sign_out",
        # Keeping what was typed or chosen in this tab (nothing reached, nothing shown).
        "StaffAgreementsState.remember",
        "StaffAgreementsState.set_lookup_phone",
        "StaffAuditState.remember",
        "CampaignsState.remember",
        "CampaignsState.choose",
        "CampaignsState.edit",
        "CampaignsState.start_new",
        "DashboardState.remember",
        "BoardState.set_decision_note",
        "RequestFootageState.remember",
        "NewRequestState.remember",
        "NewRequestState.choose_incident",
        "NewRequestState.toggle_site",
        "StaffUsersState.remember",
        "StaffUsersState.choose_role",
        "MyState.remember",
        "MyState.set_confirm_withdraw",
        "MyState.set_row",
        "MyState.add_row",
        "MyState.remove_row",
        "MyState.cancel_edit",
        "OwnerLocationsState.change_address",
        "OwnerLocationsState.add_location",
        "OwnerLocationsState.close_location",
        "OwnerLocationsState.remember_address",
        "OwnerLocationsState.back_to_address",
        "OwnerLocationsState.move_location_pin",
        "OwnerLocationsState.nudge_location_pin",
        "OwnerLocationsState.ask_remove",
        "OwnerLocationsState.keep_location",
    }
)

"""Who may do what: one table of privileged actions and the roles allowed each.

Every use case behind a staff page calls ``authorize`` with the acting staff member
before it reads or changes anything, so the rule holds whatever page, webhook or
command line calls it. Hiding a button is not access control.
"""

from __future__ import annotations

from dataclasses import dataclass

from camshare.services.errors import DomainError
from camshare.vocabulary import STAFF_ROLES

ROLES = STAFF_ROLES

PERMISSIONS: dict[str, frozenset[str]] = {
    # Any signed-in staff member: the landing page that links to the rest.
    "staff.home": frozenset(ROLES),
    # Police work. Police see and act on their own requests; supervisors on all.
    "request.search": frozenset({"police", "supervisor"}),
    "request.create": frozenset({"police", "supervisor"}),
    "request.view": frozenset({"police", "supervisor"}),
    "request.view_all": frozenset({"supervisor"}),
    "request.approve": frozenset({"supervisor"}),
    "request.close": frozenset({"police", "supervisor"}),
    "owner.reveal": frozenset({"police", "supervisor"}),
    # Footage: the role is the first gate; services/footage/access.py then lets only the
    # request's author, supervisors and staff granted that request's footage through.
    "footage.view": frozenset({"police", "supervisor"}),
    "footage.triage": frozenset({"police", "supervisor"}),
    "footage.export": frozenset({"police", "supervisor"}),
    # Supervisors, and the request's author (checked in the use case).
    "footage.grant": frozenset({"supervisor"}),
    "footage.hold": frozenset({"supervisor"}),
    "footage.upload_on_behalf": frozenset({"police", "supervisor"}),
    # Live view: the role is the first gate; services/live/viewing.py then applies the
    # footage rule of the request (author, supervisors, staff granted its footage).
    "live.view": frozenset({"police", "supervisor"}),
    "live.end": frozenset({"supervisor"}),
    # Administration.
    "staff.manage": frozenset({"admin"}),
    "audit.view": frozenset({"admin"}),
    "agreement.publish": frozenset({"admin"}),
    # Outreach.
    "campaign.manage": frozenset({"outreach", "admin"}),
    "dashboard.view": frozenset({"outreach", "supervisor", "admin"}),
    "dashboard.export_personal": frozenset({"admin"}),
}


class Forbidden(DomainError):
    """The signed-in staff member's role does not allow this action."""

    def __init__(self, action: str) -> None:
        super().__init__("staff.forbidden", action=action)
        self.action = action


@dataclass(frozen=True)
class Actor:
    """A signed-in staff member acting through a page, as the use cases see them."""

    user_id: int
    username: str
    role: str
    ip_address: str | None = None

    @property
    def audit_name(self) -> str:
        """How the audit log names this actor."""
        return f"staff:{self.username}"


def may(role: str, action: str) -> bool:
    """Whether ``role`` may perform ``action`` (unknown actions: nobody may)."""
    return role in PERMISSIONS.get(action, frozenset())


def authorize(actor: Actor | None, action: str) -> Actor:
    """``actor`` if their role allows ``action``; raises Forbidden otherwise."""
    if actor is None or not may(actor.role, action):
        raise Forbidden(action)
    return actor

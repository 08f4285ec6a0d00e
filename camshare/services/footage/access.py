"""Who may see a request's footage, and how much: the one per-request check.

The role comes first (``footage.*`` in services/permissions.py): outreach and admins get
nothing whatever else holds. Then the request: its author and supervisors may view,
download and act on every file; any other police member only what an explicit
``FootageGrant`` on that request allows (view, or view and download). Every footage use
case and every footage route asks ``footage_access``/``require`` before it reads a byte.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import AccessRequest, FootageFile, FootageGrant
from camshare.services.errors import DomainError
from camshare.services.permissions import Actor, Forbidden, may

# What one may do with a request's footage, each needing the one before it.
VIEW, DOWNLOAD, MANAGE = "view", "download", "manage"
_LEVELS = (VIEW, DOWNLOAD, MANAGE)

# The action asked for -> (the role's permission, the level needed on the request).
NEEDS: dict[str, tuple[str, str]] = {
    "view": ("footage.view", VIEW),
    "download": ("footage.view", DOWNLOAD),
    "export": ("footage.export", DOWNLOAD),
    "triage": ("footage.triage", MANAGE),
    "upload_on_behalf": ("footage.upload_on_behalf", MANAGE),
    # The author may grant too: their level is MANAGE, the role check is below.
    "grant": ("footage.view", MANAGE),
    "hold": ("footage.hold", MANAGE),
}


@dataclass(frozen=True)
class FootageAccess:
    """What ``actor`` may do with one request's footage (``level`` None: nothing)."""

    request_id: int
    level: str | None
    # author | supervisor | grant | None
    because: str | None
    is_author: bool

    def allows(self, action: str) -> bool:
        """Whether this access covers ``action`` (see NEEDS)."""
        _permission, needed = NEEDS[action]
        return self.level is not None and _LEVELS.index(self.level) >= _LEVELS.index(needed)


def footage_access(session: Session, actor: Actor | None, request: AccessRequest) -> FootageAccess:
    """How far ``actor`` reaches into ``request``'s footage (role, authorship, grant)."""
    if actor is None or not may(actor.role, "footage.view"):
        return FootageAccess(request.id, None, None, False)
    is_author = request.created_by_id == actor.user_id
    if is_author:
        return FootageAccess(request.id, MANAGE, "author", True)
    if actor.role == "supervisor":
        return FootageAccess(request.id, MANAGE, "supervisor", False)
    grant = session.scalar(
        select(FootageGrant.level).where(
            FootageGrant.request_id == request.id, FootageGrant.staff_user_id == actor.user_id
        )
    )
    if grant is None:
        return FootageAccess(request.id, None, None, False)
    return FootageAccess(request.id, DOWNLOAD if grant == "download" else VIEW, "grant", False)


def allowed(access: FootageAccess, actor: Actor, action: str) -> bool:
    """Whether ``actor``, reaching as far as ``access``, may do ``action``."""
    permission, _level = NEEDS[action]
    if action == "grant":
        role_ok = may(actor.role, "footage.grant") or access.is_author
    else:
        role_ok = may(actor.role, permission)
    return role_ok and access.allows(action)


def require(
    session: Session, actor: Actor | None, request_id: int, action: str
) -> tuple[AccessRequest, FootageAccess]:
    """The request and ``actor``'s access to its footage, if it allows ``action``.

    Raises Forbidden otherwise, and the same Forbidden for a request that does not exist,
    so that a URL cannot tell a stranger which requests have footage.
    """
    request = session.get(AccessRequest, request_id)
    if request is None or actor is None:
        raise Forbidden(NEEDS[action][0])
    access = footage_access(session, actor, request)
    if not allowed(access, actor, action):
        raise Forbidden(NEEDS[action][0])
    return request, access


def require_file(
    session: Session, actor: Actor | None, file_id: int, action: str
) -> tuple[FootageFile, FootageAccess]:
    """One file police may see (received, never one still arriving), if ``action`` is allowed.

    A file that does not exist, is still receiving or was refused is refused the same way
    as a file of a request one may not see.
    """
    file = session.get(FootageFile, file_id)
    if file is None or file.status in ("receiving", "refused"):
        raise Forbidden(NEEDS[action][0])
    _request, access = require(session, actor, file.request_id, action)
    return file, access


class FootageGone(DomainError):
    """The file's bytes were deleted (retention, withdrawal): the record stays."""

    def __init__(self) -> None:
        super().__init__("custody.error.deleted")

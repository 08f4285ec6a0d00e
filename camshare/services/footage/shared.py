"""The "Footage shared with you" page: requests whose footage a member was added to.

Only explicit grants on someone else's request (a request's author and supervisors reach
its footage from the board). Each entry says what the grant allows and how many files
police may see there now, and links to that request's footage page, which checks
``access.require`` again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from camshare.models import AccessRequest, FootageFile, FootageGrant
from camshare.services.footage.panel import SHOWN
from camshare.services.permissions import Actor, authorize


@dataclass(frozen=True)
class SharedRequest:
    """One request whose footage was shared with the member."""

    request_id: int
    case_number: str
    incident_type: str
    status: str
    level: str  # view | download
    granted_at: datetime
    files: int


def shared_with(session: Session, actor: Actor) -> tuple[SharedRequest, ...]:
    """The requests whose footage ``actor`` was granted, newest grant first."""
    authorize(actor, "footage.view")
    files = (
        select(FootageFile.request_id, func.count().label("files"))
        .where(FootageFile.status.in_(SHOWN), FootageFile.status != "deleted")
        .group_by(FootageFile.request_id)
        .subquery()
    )
    rows = session.execute(
        select(
            AccessRequest.id,
            AccessRequest.case_number,
            AccessRequest.incident_type,
            AccessRequest.status,
            FootageGrant.level,
            FootageGrant.granted_at,
            func.coalesce(files.c.files, 0),
        )
        .join(FootageGrant, FootageGrant.request_id == AccessRequest.id)
        .outerjoin(files, files.c.request_id == AccessRequest.id)
        .where(
            FootageGrant.staff_user_id == actor.user_id,
            AccessRequest.created_by_id != actor.user_id,
        )
        .order_by(FootageGrant.granted_at.desc(), AccessRequest.id.desc())
    )
    return tuple(SharedRequest(*row) for row in rows)

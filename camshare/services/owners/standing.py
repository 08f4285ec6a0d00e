"""Whether police may ask an owner: one status, worked out from every reason to hold back.

``Owner.status`` is what the radius search filters on (only "active" owners are asked), so
it must be recomputed whenever one of its reasons changes. The reasons, in order:

- "paused": the owner paused sharing (``paused_at``), until ``paused_until`` if set;
- "reconsent": a newer agreement was published and, with ``reconsent_pauses`` on, the
  owner has not accepted it yet (``reconsent_requested_at`` set, cleared on acceptance);
- "unconfirmed": asked whether they still have these cameras (``reconfirm_requested_at``)
  and silent for ``reconfirm_grace_days``;
- otherwise "active".

``refresh_status`` is the only code that assigns ``Owner.status`` (a test holds every other
module to that). Use cases change a reason, then call it; ``refresh_held_back`` catches the
changes no event announces, such as ``reconsent_pauses`` or the grace period being changed.
It also works out again whether each of the owner's sites may be asked
(services/may_be_asked.py), which the radius search's index holds: so call it once the
use case's other changes (sites, consents) are in the session.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session

from camshare.models import Owner
from camshare.services import audit
from camshare.services.may_be_asked import refresh_may_be_asked
from camshare.settings import Settings
from camshare.vocabulary import OWNER_STATUSES

STATUSES = OWNER_STATUSES


def standing(owner: Owner, settings: Settings, now: datetime) -> str:
    """The status ``owner`` should have at ``now``."""
    if owner.paused_at is not None and (owner.paused_until is None or owner.paused_until > now):
        return "paused"
    if owner.reconsent_requested_at is not None and settings.reconsent_pauses:
        return "reconsent"
    asked = owner.reconfirm_requested_at
    confirmed = owner.confirmed_at
    if (
        asked is not None
        and (confirmed is None or confirmed < asked)
        and now >= asked + timedelta(days=settings.reconfirm_grace_days)
    ):
        return "unconfirmed"
    return "active"


def refresh_status(owner: Owner, settings: Settings, now: datetime) -> bool:
    """Set ``owner.status`` from its reasons, then whether their sites may be asked.

    ``owner`` belongs to a session, whose pending changes are flushed. True when the status
    changed.
    """
    status = standing(owner, settings, now)
    if owner.paused_at is not None and status != "paused":
        # A pause that ran out ends by itself.
        owner.paused_at = owner.paused_until = None
    changed = owner.status != status
    owner.status = status
    session = object_session(owner)
    session.flush()
    refresh_may_be_asked(session, [owner.id])
    return changed


def refresh_held_back(session: Session, settings: Settings, now: datetime) -> int:
    """Work the status out again wherever a setting may have changed it; how many changed.

    Only owners held back, or with a re-consent pending, can be stale that way (an active
    owner's other reasons are timed, and the worker's jobs apply those).
    """
    owners = session.scalars(
        select(Owner)
        .where(or_(Owner.status != "active", Owner.reconsent_requested_at.is_not(None)))
        .order_by(Owner.id)
    ).all()
    changed = 0
    for owner in owners:
        before = owner.status
        if refresh_status(owner, settings, now):
            changed += 1
            audit.record(
                session,
                "system",
                "owner.standing_refreshed",
                f"owner:{owner.id}",
                at=now,
                status_before=before,
                status=owner.status,
            )
    return changed

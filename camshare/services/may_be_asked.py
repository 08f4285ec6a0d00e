"""Whether police may ask about a site: the one rule, and the one writer of ``Site.may_be_asked``.

A site may be asked when it is active and its owner's account is active
(``Owner.status``, worked out by services/owners/standing.py: not paused, no re-consent or
re-confirmation pending), their phone is verified, they have not opted out of texts, and at
least one of their consents still stands.

The radius search must not work that out for every site it finds: at the 400 m maximum that
is hundreds of owner and consent probes per search. So the answer is kept on the site
(``Site.may_be_asked``), and the spatial indexes hold only the sites where it is true
(SQLite: the ``site_rtree`` R*Tree, kept in step by triggers; PostgreSQL: the partial GiST
index ``ix_site_point``; migration 0012). ``refresh_may_be_asked`` is the only code that
writes it (tests/unit/test_owner_status_assigned_once.py holds every other module to that):
a use case changes a reason, then calls it, directly or through ``refresh_status``:

- the owner's status (pause, resume, re-consent, re-confirmation): ``refresh_status``;
- sign-up completion and a new location: after the sites and the consent are added;
- opting out (STOP, Twilio's "unsubscribed" error) and back in (START);
- withdrawal deletes the sites, and deleting a site takes it out of the index by itself,
  as moving one moves it there.

A new site starts not askable (``False``), so a path that forgot the call leaves police
unable to ask, never able to ask someone who did not agree.

This module sits beside the domain packages, not in one of them: owners (status, locations)
and messaging (opt-outs) both call it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, and_, exists, select, update
from sqlalchemy.orm import Session

from camshare.models import Consent, Owner, Site

_OWNER_MAY_BE_ASKED = exists().where(
    Owner.id == Site.owner_id,
    Owner.status == "active",
    Owner.phone_verified_at.is_not(None),
    Owner.sms_opted_out_at.is_(None),
)
_STANDING_CONSENT = exists().where(
    Consent.owner_id == Site.owner_id, Consent.withdrawn_at.is_(None)
)

# The rule, worked out from its reasons for the ``site`` row of the enclosing statement.
MAY_BE_ASKED = and_(Site.status == "active", _OWNER_MAY_BE_ASKED, _STANDING_CONSENT)


def refresh_may_be_asked(session: Session, owners: Iterable[int] | Select) -> int:
    """Work ``may_be_asked`` out again for every site of ``owners`` (ids, or a SELECT of ids).

    Pending changes are flushed first (the rule reads the rows). Only sites whose answer
    changes are written, so the index is not rewritten for nothing; returns how many.
    """
    owner_ids = owners if isinstance(owners, Select) else list(owners)
    # The owners' rows locked first (PostgreSQL; SQLite has one writer at a time): a
    # transaction changing a reason on the owner's row (a pause) and one changing another
    # (a new site) then take turns, and the second reads what the first committed. Without
    # it, each would read the other's rows as they were and could leave a paused owner's
    # new site askable.
    session.execute(select(Owner.id).where(Owner.id.in_(owner_ids)).with_for_update())
    result = session.execute(
        update(Site)
        .where(Site.owner_id.in_(owner_ids), Site.may_be_asked != MAY_BE_ASKED)
        .values(may_be_asked=MAY_BE_ASKED)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount

"""Handing a new session from the event socket to the browser's HttpOnly cookie.

A sign-in happens in a Reflex event handler, which cannot set an HttpOnly cookie: only an
HTTP response can. So the handler swaps the new session's token for a hand-off code
(``begin_handoff``), the page POSTs that code to /api/session/<kind>, and that route
swaps it back for a fresh session token (``redeem_handoff``) that goes straight into the
cookie. The code is single-use (redeeming replaces it), lasts ``HANDOFF_SECONDS``, and
is stored as a keyed hash that no cookie value can match, so the code seen on the
socket is never itself a session credential.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from camshare.models import OwnerSession, StaffSession, utcnow
from camshare.services.errors import DomainError
from camshare.services.tokens import code_hash, new_token, token_hash
from camshare.settings import Settings

HANDOFF_SECONDS = 60
SESSION_MODELS = {"staff": StaffSession, "owner": OwnerSession}


def _handoff_hash(settings: Settings, code: str) -> str:
    # Keyed, unlike token_hash: nobody can pick a cookie whose SHA-256 is this value.
    return code_hash(settings.secret_key, "session-handoff", code)


def begin_handoff(
    session: Session, kind: str, token: str, settings: Settings, now: datetime | None = None
) -> str:
    """Swap a live session's token for a hand-off code; the token stops working."""
    now = now or utcnow()
    model = SESSION_MODELS[kind]
    row = session.scalar(
        select(model).where(model.token_sha256 == token_hash(token), model.revoked_at.is_(None))
    )
    if row is None or (kind == "staff" and row.authenticated_at is None):
        raise DomainError("signin.expired")
    code = new_token()
    row.token_sha256 = _handoff_hash(settings, code)
    row.last_seen_at = now  # the hand-off's time limit counts from here
    return code


def redeem_handoff(
    session: Session, kind: str, code: str, settings: Settings, now: datetime | None = None
) -> str | None:
    """The session token for a hand-off code used in time, once; None otherwise."""
    if kind not in SESSION_MODELS or not code:
        return None
    now = now or utcnow()
    model = SESSION_MODELS[kind]
    token = new_token()
    # One UPDATE, so two requests racing with one code cannot both get a session.
    used = session.execute(
        update(model)
        .where(
            model.token_sha256 == _handoff_hash(settings, code[:100]),
            model.revoked_at.is_(None),
            model.expires_at > now,
            model.last_seen_at > now - timedelta(seconds=HANDOFF_SECONDS),
        )
        .values(token_sha256=token_hash(token), last_seen_at=now)
        .execution_options(synchronize_session=False)
    )
    return token if used.rowcount == 1 else None

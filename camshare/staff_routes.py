"""The one guard of staff-only HTTP routes (downloads, footage): session cookie, then role."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from camshare.services.errors import DomainError
from camshare.services.permissions import Actor, Forbidden
from camshare.services.staff.sessions import resolve_session
from camshare.settings import get_settings

T = TypeVar("T")


def as_staff(
    session: Session,
    token: str | None,
    ip: str | None,
    work: Callable[[Session, Actor], T],
    refused_input: int = 404,
) -> T | int:
    """``work(session, actor)`` for the staff member signed in with ``token``, or the HTTP
    status refusing it: 401 not signed in, 403 wrong role, ``refused_input`` bad input."""
    actor = resolve_session(session, token, settings=get_settings(), ip_address=ip)
    if actor is None:
        return 401
    try:
        return work(session, actor)
    except Forbidden:
        return 403
    except DomainError:
        return refused_input

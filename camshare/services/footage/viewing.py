"""Short-lived links to play or download one file, for one staff member, each use logged.

A link names the file, what it is for (play, download), the staff member it was made for
and when it stops working, signed with the installation's secret. The route serving it
checks the signature, the time, that the browser's staff session is that same member,
and ``access.require_file`` again: a link copied to someone else, or kept after a grant
is withdrawn, opens nothing. Objects in storage are never public.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from camshare.models import FootageFile, utcnow
from camshare.services import audit
from camshare.services.errors import DomainError
from camshare.services.footage.access import FootageGone, require_file
from camshare.services.permissions import Actor, Forbidden

PURPOSES = ("play", "download")
# Only the newest browsers play these in a <video>; anything else is played from the
# derived preview (or not at all: "needs the recorder's player").
PLAYABLE = frozenset({"video/mp4", "video/webm", "video/quicktime", "video/ogg"})


@dataclass(frozen=True)
class FootageLink:
    """A signed path to one file's bytes, valid until ``expires_at``."""

    token: str
    expires_at: datetime


@dataclass(frozen=True)
class FootageBytes:
    """What a footage route streams: a storage key and how to label it."""

    file_id: int
    storage_key: str
    media_type: str
    filename: str
    size_bytes: int | None
    # Derived copies are marked as such in their name; the original keeps its own.
    derived: bool
    attachment: bool


def _signature(secret_key: str, payload: str) -> str:
    digest = hmac.new(secret_key.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:32]


def sign_link(secret_key: str, file_id: int, purpose: str, user_id: int, expires: datetime) -> str:
    """The token of a link (``file-purpose-user-expiry-signature``)."""
    payload = f"{file_id}-{purpose}-{user_id}-{int(expires.timestamp())}"
    return f"{payload}-{_signature(secret_key, payload)}"


def _read_link(secret_key: str, token: str, now: datetime) -> tuple[int, str, int]:
    parts = token.split("-")
    if len(parts) != 5:
        raise Forbidden("footage.view")
    payload = "-".join(parts[:4])
    if not hmac.compare_digest(parts[4], _signature(secret_key, payload)):
        raise Forbidden("footage.view")
    try:
        file_id, purpose, user_id, expires = int(parts[0]), parts[1], int(parts[2]), int(parts[3])
    except ValueError as exc:
        raise Forbidden("footage.view") from exc
    if purpose not in PURPOSES or now.timestamp() >= expires:
        raise Forbidden("footage.view")
    return file_id, purpose, user_id


def playable_key(file: FootageFile) -> tuple[str, str, bool] | None:
    """(key, media type, derived) a browser can play, or None (needs the recorder's player)."""
    if file.preview_key:
        return file.preview_key, "video/mp4", True
    if file.storage_key and (file.media_type in PLAYABLE or file.kind == "image"):
        return file.storage_key, file.media_type or "application/octet-stream", False
    return None


def make_link(
    session: Session,
    actor: Actor,
    file_id: int,
    purpose: str,
    secret_key: str,
    minutes: float,
    now: datetime | None = None,
) -> FootageLink:
    """A link to play (logged now, as a view) or download (logged when fetched) one file."""
    if purpose not in PURPOSES:
        raise Forbidden("footage.view")
    now = now or utcnow()
    file, _access = require_file(
        session, actor, file_id, "view" if purpose == "play" else "download"
    )
    if file.status == "deleted" or file.storage_key is None:
        raise FootageGone()
    if purpose == "play":
        if playable_key(file) is None:
            raise _not_playable()
        audit.record(
            session,
            actor.audit_name,
            "footage.viewed",
            f"footage:{file.id}",
            actor.ip_address,
            at=now,
            request_id=file.request_id,
            role=actor.role,
        )
    expires = now + timedelta(minutes=minutes)
    return FootageLink(sign_link(secret_key, file.id, purpose, actor.user_id, expires), expires)


def _not_playable() -> DomainError:
    return DomainError("custody.error.needs_player")


def open_link(
    session: Session,
    actor: Actor | None,
    token: str,
    secret_key: str,
    now: datetime | None = None,
    first_byte: bool = True,
) -> FootageBytes:
    """What a link opens for the member signed in on this browser; Forbidden otherwise.

    A download is logged each time its first byte is asked for (a resumed download's
    later ranges are not new downloads).
    """
    now = now or utcnow()
    file_id, purpose, user_id = _read_link(secret_key, token, now)
    if actor is None or actor.user_id != user_id:
        raise Forbidden("footage.view")
    file, _access = require_file(
        session, actor, file_id, "view" if purpose == "play" else "download"
    )
    if file.status == "deleted" or file.storage_key is None:
        raise FootageGone()
    if purpose == "play":
        found = playable_key(file)
        if found is None:
            raise _not_playable()
        key, media_type, derived = found
        return FootageBytes(file.id, key, media_type, file.original_name, None, derived, False)
    if first_byte:
        audit.record(
            session,
            actor.audit_name,
            "footage.downloaded",
            f"footage:{file.id}",
            actor.ip_address,
            at=now,
            request_id=file.request_id,
            role=actor.role,
            sha256=file.sha256,
        )
    return FootageBytes(
        file.id,
        file.storage_key,
        file.media_type or "application/octet-stream",
        file.original_name,
        file.size_bytes,
        False,
        True,
    )

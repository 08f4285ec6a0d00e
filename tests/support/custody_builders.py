"""Footage rows and a storage fake for custody tests: files "received" without the tus path."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
from datetime import timedelta

from sqlalchemy.orm import Session

from camshare.models import AccessRequest, FootageFile, FootageGrant
from camshare.services.access.requests import create_request
from tests.support.access_builders import NOW, draft, point_at, registered_owner, staff

_uploads = itertools.count(1)


class MemoryStorage:
    """The storage interface's reads and deletes, in memory (what custody uses of it)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.deleted: list[str] = []

    def put(self, key: str, data: bytes) -> None:
        self.objects[key] = data

    def open(self, key: str, start: int = 0) -> io.BytesIO:
        return io.BytesIO(self.objects[key][start:])

    def size(self, key: str) -> int:
        return len(self.objects[key])

    def delete(self, key: str) -> None:
        self.deleted.append(key)
        self.objects.pop(key, None)

    def exists(self, key: str) -> bool:
        return key in self.objects


def received_file(
    session: Session,
    storage: MemoryStorage,
    request_id: int,
    *,
    owner_id: int | None = None,
    recipient_id: int | None = None,
    data: bytes | None = None,
    name: str = "clip.mp4",
    media_type: str = "video/mp4",
    status: str = "received",
    thumbnail: bytes | None = b"\xff\xd8\xff thumbnail",
    caption: str | None = "Driveway camera, facing the street",
) -> FootageFile:
    """A complete, hashed file as intake leaves it, its bytes in ``storage``."""
    number = next(_uploads)
    if data is None:
        data = b"\x00\x00\x00\x18ftypmp42" + f"{number:08d}".encode() + b"x" * 5000
    file = FootageFile(
        request_id=request_id,
        recipient_id=recipient_id,
        owner_id=owner_id,
        upload_id=f"upload-{number}",
        original_name=name,
        caption=caption,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        status=status,
        kind="video" if media_type.startswith("video/") else "recorder",
        media_type=media_type,
        duration_seconds=12.4,
        width=640,
        height=360,
        storage_key=f"originals/{number}",
        thumbnail_key=f"thumbnails/{number}.jpg" if thumbnail else None,
        received_at=NOW + timedelta(hours=1, minutes=number),
    )
    storage.put(file.storage_key, data)
    if thumbnail:
        storage.put(file.thumbnail_key, thumbnail)
    session.add(file)
    session.flush()
    return file


@dataclasses.dataclass
class Cast:
    """A request with footage, and one staff member of each relation to it."""

    request_id: int
    owner_id: int
    recipient_id: int
    author: object
    supervisor: object
    other_police: object
    viewer: object  # police with a view grant
    downloader: object  # police with a download grant
    admin: object
    outreach: object


def footage_request(session: Session, settings) -> Cast:
    """An open request one owner approved, with staff of every kind around it."""
    settings = dataclasses.replace(settings, request_needs_approval=False)
    owner = registered_owner(session, point_at(40))
    author = staff(session, "police")
    created = create_request(session, author, draft(), set(), settings, NOW)
    request = session.get(AccessRequest, created.request_id)
    recipient = request.recipients[0]
    recipient.answer, recipient.answered_at = "approved", NOW + timedelta(minutes=5)
    cast = Cast(
        request.id,
        owner.id,
        recipient.id,
        author,
        staff(session, "supervisor"),
        staff(session, "police"),
        staff(session, "police"),
        staff(session, "police"),
        staff(session, "admin"),
        staff(session, "outreach"),
    )
    for member, level in ((cast.viewer, "view"), (cast.downloader, "download")):
        session.add(
            FootageGrant(
                request_id=request.id,
                staff_user_id=member.user_id,
                level=level,
                granted_by_id=author.user_id,
                granted_at=NOW,
            )
        )
    session.flush()
    return cast

"""Pickup: an officer uploads an owner's export for them through the same tus path, with the
real tus client; the custody record starts with the officer and the owner gets an SMS."""

from __future__ import annotations

import hashlib
import os
from datetime import timedelta

import pytest
from sqlalchemy import select
from tusclient import client as tus
from tusclient.exceptions import TusCommunicationError

from camshare.models import AuditEvent, FootageFile, OutboxMessage, StaffUser, utcnow
from camshare.services.footage import jobs
from camshare.settings import get_settings
from tests.integration.conftest import sign_in
from tests.integration.test_footage_tus import TUS, owner, server  # noqa: F401 - fixtures
from tests.support.media import pattern_video

CHUNK = 2048


def pickup_uploader(base: str, cookie: str | None, target: str, path, **kw):
    headers = {"Footage-Pickup": target}
    if cookie:
        headers["Cookie"] = f"camshare_staff={cookie}"
    client = tus.TusClient(base + TUS, headers=headers)
    metadata = {"filename": os.path.basename(path), "filetype": "video/mp4"}
    return client.uploader(str(path), metadata=metadata, chunk_size=CHUNK, **kw)


def test_a_supervisor_uploads_for_the_owner_and_the_owner_is_told(
    server,  # noqa: F811
    owner,  # noqa: F811
    factory,
    tmp_path,
):
    cookie, username = sign_in(factory, "supervisor")
    clip = pattern_video(tmp_path / "DVR export ch2.mp4", seconds=2)
    upload = pickup_uploader(server, cookie, f"{owner.request_id}:{owner.recipient_id}", clip)
    assert clip.stat().st_size > 2 * CHUNK
    upload.upload_chunk()
    # Resumed by the same officer from another client: it goes on where it stopped.
    target = f"{owner.request_id}:{owner.recipient_id}"
    again = pickup_uploader(server, cookie, target, clip, url=upload.url)
    assert again.offset == CHUNK
    again.upload()
    with factory() as session:
        file = session.scalar(select(FootageFile))
        member = session.scalar(select(StaffUser).where(StaffUser.username == username))
        assert file.status == "received"
        assert file.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
        assert (file.owner_id, file.uploaded_by_id) == (owner.owner_id, member.id)
        first = session.scalar(
            select(AuditEvent)
            .where(AuditEvent.subject == f"footage:{file.id}")
            .order_by(AuditEvent.id)
        )
        assert (first.action, first.actor) == ("footage.uploaded_on_behalf", f"staff:{username}")
    window = timedelta(seconds=get_settings().footage_receipt_window_seconds)
    assert jobs.send_due_receipts(factory, get_settings(), utcnow() + window) == 1
    with factory() as session:
        (sms,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.purpose == "footage_receipt")
        ).all()
        assert "an officer uploaded your file" in sms.body


@pytest.mark.parametrize("role", ["police", "outreach", None])
def test_nobody_else_uploads_for_an_owner(server, owner, factory, tmp_path, role):  # noqa: F811
    cookie = sign_in(factory, role)[0] if role else None
    clip = pattern_video(tmp_path / "clip.mp4", seconds=1)
    upload = pickup_uploader(server, cookie, f"{owner.request_id}:{owner.recipient_id}", clip)
    with pytest.raises(TusCommunicationError) as refused:
        upload.upload()
    assert refused.value.status_code == (401 if role is None else 403)
    with factory() as session:
        assert session.scalar(select(FootageFile)) is None

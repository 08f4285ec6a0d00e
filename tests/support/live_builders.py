"""Rows for live-view tests: a paired bridge at an owner's site with its cameras reported."""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from camshare.models import Camera, LiveCamera, LiveDevice, Owner, Site

_numbers = itertools.count(1)


def paired_bridge(
    session: Session, owner: Owner, at: datetime, *, status: str = "ready"
) -> list[int]:
    """A bridge paired for ``owner`` reporting each of their cameras; the live camera ids."""
    number = next(_numbers)
    device = LiveDevice(
        owner_id=owner.id,
        name=f"Bridge {number}",
        secret_sha256=hashlib.sha256(f"bridge-{number}-{owner.id}".encode()).hexdigest(),
        paired_at=at,
        last_seen_at=at,
    )
    session.add(device)
    session.flush()
    camera_ids = session.scalars(
        select(Camera.id).join(Site).where(Site.owner_id == owner.id).order_by(Camera.id)
    ).all()
    cameras = [
        LiveCamera(
            device_id=device.id,
            camera_id=camera_id,
            name=f"Camera {index + 1}",
            codec="h264",
            width=640,
            height=360,
            status=status,
            checked_at=at,
        )
        for index, camera_id in enumerate(camera_ids)
    ]
    session.add_all(cameras)
    session.flush()
    return [camera.id for camera in cameras]

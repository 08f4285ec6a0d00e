"""The cameras step, and the list of locations a registration holds."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.registration.drafts import (
    DraftSnapshot,
    forget_signature,
    load_draft,
    save_draft,
    snapshot_of,
)
from camshare.services.registration.location import site_address_key
from camshare.vocabulary import CAMERA_FACES, CAMERA_KINDS, DIRECTIONS, RECORDING_MODES

MAX_CAMERA_ROWS = 20
MAX_CAMERAS_PER_ROW = 99
MAX_RETENTION_DAYS = 365
MAX_SITES = 10


def _int_in(value: Any, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def clean_camera_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate camera rows; errors are keyed ``cameras.<row>.<field>``."""
    errors: dict[str, str] = {}
    if not rows:
        raise ValidationFailed({"cameras": "error.cameras_required"})
    if len(rows) > MAX_CAMERA_ROWS:
        raise ValidationFailed({"cameras": "error.too_many_camera_rows"})
    cleaned = []
    for index, row in enumerate(rows):
        prefix = f"cameras.{index}."
        kind = row.get("camera_kind")
        faces = row.get("faces")
        direction = (row.get("direction") or "").upper()
        recording = row.get("recording")
        count = _int_in(row.get("count"), 1, MAX_CAMERAS_PER_ROW)
        retention = _int_in(row.get("retention_days"), 0, MAX_RETENTION_DAYS)
        if kind not in CAMERA_KINDS:
            errors[prefix + "camera_kind"] = "error.camera_kind_required"
        if count is None:
            errors[prefix + "count"] = "error.camera_count"
        if faces not in CAMERA_FACES:
            errors[prefix + "faces"] = "error.camera_faces_required"
        if direction not in DIRECTIONS:
            errors[prefix + "direction"] = "error.camera_direction"
        if recording not in RECORDING_MODES:
            errors[prefix + "recording"] = "error.camera_recording_required"
        if retention is None:
            errors[prefix + "retention_days"] = "error.camera_retention"
        cleaned.append(
            {
                "camera_kind": kind,
                "count": count,
                "faces": faces,
                "direction": direction or None,
                "recording": recording,
                "retention_days": retention,
            }
        )
    if errors:
        raise ValidationFailed(errors)
    return cleaned


def save_cameras(session: Session, key: str, rows: list[dict[str, Any]]) -> DraftSnapshot:
    """Keep the cameras of the location being added; the location joins the draft's list."""
    draft = load_draft(session, key)
    site = draft.data.get("site")
    if not site or not site.get("pin_confirmed"):
        raise DomainError("error.step_unavailable")
    site["cameras"] = clean_camera_rows(rows)
    sites = draft.data.setdefault("sites", [])
    site_key = site_address_key(site["address_line"], site["unit"], site["zip_code"], site["city"])
    sites[:] = [
        s
        for s in sites
        if site_address_key(s["address_line"], s["unit"], s["zip_code"], s["city"]) != site_key
    ]
    if len(sites) >= MAX_SITES:
        raise DomainError("error.too_many_sites")
    sites.append(site)
    draft.data.pop("site", None)
    draft.data.pop("raw_cameras", None)
    forget_signature(draft)
    save_draft(draft, "agreement")
    return snapshot_of(draft, key, None)


def add_another_site(session: Session, key: str) -> DraftSnapshot:
    """Start adding one more location to the same registration."""
    draft = load_draft(session, key)
    if len(draft.data.get("sites") or []) >= MAX_SITES:
        raise DomainError("error.too_many_sites")
    draft.data.pop("site", None)
    raw = draft.data.setdefault("raw", {})
    for name in ("address_line", "unit", "city", "zip_code"):
        raw.pop(name, None)
    save_draft(draft, "location")
    return snapshot_of(draft, key, None)


def remove_site(session: Session, key: str, index: int) -> DraftSnapshot:
    """Drop one location from the draft."""
    draft = load_draft(session, key)
    sites = draft.data.get("sites") or []
    if isinstance(index, int) and 0 <= index < len(sites):
        sites.pop(index)
        forget_signature(draft)
    save_draft(draft, "agreement" if sites else "location")
    return snapshot_of(draft, key, None)


def save_typed_cameras(session: Session, key: str, rows: list[dict[str, str]]) -> None:
    """Keep the camera rows as chosen so far (unvalidated), so a reload restores them."""
    draft = load_draft(session, key)
    fields = ("camera_kind", "count", "faces", "direction", "recording", "retention_days")
    draft.data["raw_cameras"] = [
        {name: str(row.get(name) or "")[:20] for name in fields}
        for row in rows[:MAX_CAMERA_ROWS]
        if isinstance(row, dict)
    ]
    save_draft(draft)

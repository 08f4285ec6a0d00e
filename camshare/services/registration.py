"""A resident's sign-up, step by step, kept in a server-side draft until the phone is verified.

Steps: contact -> location (address or device, then the pin) -> cameras -> agreement ->
verify -> done. Each step validates what it is given and saves it into the draft; what the
resident typed is saved as typed too (``save_typed``), so a reload or a dropped connection
loses nothing. Only ``verification.verify_and_register`` turns a draft into an owner.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from camshare.models import CampaignVisit, RegistrationDraft, utcnow
from camshare.services.agreements import get_agreement
from camshare.services.campaigns import find_campaign
from camshare.services.errors import DomainError, ValidationFailed
from camshare.services.geocoding import (
    Geocoder,
    GeocoderUnavailable,
    address_query,
    geocode_cached,
    query_key,
    zip_centroid,
)
from camshare.services.jurisdiction import Jurisdiction
from camshare.services.phones import normalize_mobile
from camshare.services.tokens import new_token, token_hash

LANGUAGES = ("en", "es")
STEPS = ("contact", "location", "pin", "cameras", "agreement", "verify", "done")
OWNER_KINDS = ("resident", "business")
CAMERA_KINDS = ("doorbell", "exterior", "interior_facing_out", "ptz", "other")
CAMERA_FACES = ("street", "sidewalk", "alley", "parking_lot", "entrance", "other")
DIRECTIONS = ("", "N", "NE", "E", "SE", "S", "SW", "W", "NW")
RECORDING_MODES = ("continuous", "motion")
MAX_NAME = 120
MAX_CAMERA_ROWS = 20
MAX_CAMERAS_PER_ROW = 99
MAX_RETENTION_DAYS = 365
MAX_SITES = 10
MAX_TYPED_VALUE = 500
DEFAULT_TTL_HOURS = 24
# The form fields whose typed values a draft keeps (anything else is ignored).
TYPED_FIELDS = frozenset(
    {
        "full_name",
        "phone",
        "email",
        "owner_kind",
        "business_name",
        "address_line",
        "unit",
        "city",
        "state",
        "zip_code",
        "typed_name",
    }
)


@dataclass(frozen=True)
class DraftSnapshot:
    """What the sign-up pages need to show a draft."""

    key: str
    step: str
    language: str
    campaign_code: str | None
    data: dict[str, Any] = field(default_factory=dict)


def _snapshot(draft: RegistrationDraft, key: str, campaign_code: str | None) -> DraftSnapshot:
    return DraftSnapshot(key, draft.step, draft.language, campaign_code, dict(draft.data or {}))


def _pick_language(language: str | None) -> str:
    return language if language in LANGUAGES else "en"


def load_draft(session: Session, key: str, now: datetime | None = None) -> RegistrationDraft:
    """The live draft under ``key``; DomainError when it expired or was completed."""
    now = now or utcnow()
    # Locked, so two tabs of one draft cannot both send a code or both complete it.
    draft = session.scalar(
        select(RegistrationDraft)
        .where(RegistrationDraft.key_sha256 == token_hash(key or ""))
        .with_for_update()
    )
    if draft is None or draft.expires_at <= now:
        raise DomainError("error.draft_expired")
    if draft.completed_at is not None:
        raise DomainError("error.draft_completed")
    return draft


def save_draft(draft: RegistrationDraft, step: str | None = None) -> None:
    """Mark the draft's data changed, move it to ``step`` if given, and keep it alive.

    A draft expires a fixed time after the resident last did something, not after it was
    opened: someone who comes back to finish after lunch must not lose their work.
    """
    if step is not None:
        draft.step = step
    if draft.completed_at is None:
        ttl = timedelta(hours=(draft.data or {}).get("ttl_hours", DEFAULT_TTL_HOURS))
        draft.expires_at = max(draft.expires_at, utcnow() + ttl)
    flag_modified(draft, "data")


def forget_signature(draft: RegistrationDraft) -> None:
    """What was signed changed: the agreement must be signed again and a new code sent."""
    draft.data.pop("consent", None)
    draft.data.pop("code_requested", None)


def open_draft(
    session: Session,
    key: str | None,
    campaign_code: str | None,
    language: str | None,
    ttl_hours: int = 24,
    now: datetime | None = None,
) -> DraftSnapshot:
    """Resume the browser's draft, or start one; records the visit against the campaign."""
    now = now or utcnow()
    campaign = find_campaign(session, campaign_code)
    draft = None
    if key:
        draft = session.scalar(
            select(RegistrationDraft).where(RegistrationDraft.key_sha256 == token_hash(key))
        )
        if draft is not None and (draft.expires_at <= now or draft.completed_at is not None):
            draft = None
    if draft is None:
        key = new_token()
        draft = RegistrationDraft(
            key_sha256=token_hash(key),
            campaign_id=campaign.id if campaign else None,
            language=_pick_language(language),
            step="contact",
            data={"raw": {}, "sites": [], "ttl_hours": ttl_hours},
            expires_at=now + timedelta(hours=ttl_hours),
            created_at=now,
        )
        session.add(draft)
        session.flush()
        _record_visit(session, draft, campaign.id if campaign else None, now)
    elif campaign is not None:
        # A resumed draft counts as a scan only when it came back through a campaign code.
        draft.campaign_id = draft.campaign_id or campaign.id
        _record_visit(session, draft, campaign.id, now)
    code = campaign.code if campaign else None
    return _snapshot(draft, key, code)


def _record_visit(session: Session, draft: RegistrationDraft, campaign_id: int | None, now) -> None:
    exists = session.scalar(
        select(CampaignVisit.id).where(
            CampaignVisit.draft_id == draft.id,
            CampaignVisit.campaign_id.is_(None)
            if campaign_id is None
            else CampaignVisit.campaign_id == campaign_id,
        )
    )
    if exists:
        return
    try:
        with session.begin_nested():
            session.add(
                CampaignVisit(
                    campaign_id=campaign_id,
                    draft_id=draft.id,
                    language=draft.language,
                    visited_at=now,
                )
            )
    except IntegrityError:
        pass  # a second tab recorded the same visit a moment earlier


def load_snapshot(session: Session, key: str) -> DraftSnapshot:
    """The draft under ``key`` as the pages show it."""
    return _snapshot(load_draft(session, key), key, None)


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


def set_language(session: Session, key: str, language: str) -> DraftSnapshot:
    """Switch the draft's language (its SMS follow it)."""
    draft = load_draft(session, key)
    draft.language = _pick_language(language)
    return _snapshot(draft, key, None)


def save_typed(session: Session, key: str, values: dict[str, str]) -> None:
    """Keep what the resident typed so far, unvalidated, so a reload restores it."""
    draft = load_draft(session, key)
    raw = draft.data.setdefault("raw", {})
    for name, value in values.items():
        if name in TYPED_FIELDS and isinstance(value, str):
            raw[name] = value[:MAX_TYPED_VALUE]
    save_draft(draft)


def go_to_step(session: Session, key: str, step: str) -> DraftSnapshot:
    """Move back to an earlier step the resident wants to change."""
    draft = load_draft(session, key)
    reachable = {"contact", "location"}
    if draft.data.get("contact"):
        reachable |= {"agreement"} if draft.data.get("sites") else set()
    if draft.data.get("site", {}).get("lat") is not None:
        reachable |= {"pin", "cameras"}
    if step not in reachable:
        raise DomainError("error.step_unavailable")
    save_draft(draft, step)
    return _snapshot(draft, key, None)


# --- contact ---------------------------------------------------------------------------


# Invisible characters that only hide or reorder text. Other format characters stay: the
# zero-width (non-)joiners spell Persian and Indic names, tag characters make flag emoji.
_INVISIBLE = frozenset(
    "\u00ad\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
)


def clean_name(value: str | None) -> str:
    """A person's or business's name: trimmed, spaces folded, NFC; emoji and accents kept."""
    text = unicodedata.normalize("NFC", value or "")
    text = "".join(ch for ch in text if ch not in _INVISIBLE and unicodedata.category(ch) != "Cc")
    return re.sub(r"\s+", " ", text).strip()


def _check_name(value: str | None, field_name: str, errors: dict[str, str]) -> str:
    name = clean_name(value)
    if not name:
        errors[field_name] = f"error.{field_name}_required"
    elif len(name) > MAX_NAME:
        errors[field_name] = "error.name_too_long"
    elif not any(ch.isalpha() for ch in name):
        errors[field_name] = "error.name_needs_letters"
    return name


def save_contact(
    session: Session,
    key: str,
    full_name: str,
    phone: str,
    email: str,
    owner_kind: str,
    business_name: str,
    region: str = "US",
    allowed_regions: tuple[str, ...] = ("US",),
    now: datetime | None = None,
) -> DraftSnapshot:
    """Validate and keep the contact details; the next step is the location."""
    draft = load_draft(session, key)
    errors: dict[str, str] = {}
    name = _check_name(full_name, "full_name", errors)
    phone_e164 = ""
    try:
        phone_e164 = normalize_mobile(phone, region, allowed_regions)
    except DomainError as exc:
        errors["phone"] = exc.key
    email_clean = (email or "").strip()
    if email_clean:
        try:
            email_clean = validate_email(email_clean, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = "error.email_invalid"
    if owner_kind not in OWNER_KINDS:
        errors["owner_kind"] = "error.owner_kind_required"
    business = ""
    if owner_kind == "business":
        business = _check_name(business_name, "business_name", errors)
    if errors:
        raise ValidationFailed(errors)
    previous = draft.data.get("contact") or {}
    contact = {
        "full_name": name,
        "phone_e164": phone_e164,
        "email": email_clean or None,
        "owner_kind": owner_kind,
        "business_name": business or None,
    }
    if previous and previous != contact:
        forget_signature(draft)
    if previous.get("phone_e164") != phone_e164:
        draft.data.pop("phone_verified", None)
    draft.data["contact"] = contact
    draft.contact_saved_at = draft.contact_saved_at or now or utcnow()
    save_draft(draft, "agreement" if draft.data.get("sites") else "location")
    return _snapshot(draft, key, None)


# --- location --------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationResult:
    """Where the pin goes and why: matched, not found, geocoder down, or from the device."""

    status: str  # "ok" | "no_match" | "unavailable" | "device"
    lat: float
    lon: float
    snapshot: DraftSnapshot


def _clean_address(street: str, unit: str, city: str, state: str, zip_code: str) -> dict:
    errors: dict[str, str] = {}
    values = {
        "address_line": re.sub(r"\s+", " ", street or "").strip()[:300],
        "unit": re.sub(r"\s+", " ", unit or "").strip()[:50],
        "city": re.sub(r"\s+", " ", city or "").strip()[:100],
        "state": re.sub(r"\s+", " ", state or "").strip()[:50],
        "zip_code": (zip_code or "").strip(),
    }
    if not values["address_line"]:
        errors["address_line"] = "error.address_required"
    elif not re.search(r"\d", values["address_line"]) or not re.search(
        r"[^\W\d_]", values["address_line"]
    ):
        errors["address_line"] = "error.address_needs_number_and_street"
    if values["zip_code"] and not re.fullmatch(r"\d{5}(-\d{4})?", values["zip_code"]):
        errors["zip_code"] = "error.zip_invalid"
    if not values["city"] and not values["zip_code"]:
        errors["city"] = "error.city_or_zip_required"
    if errors:
        raise ValidationFailed(errors)
    values["zip_code"] = values["zip_code"][:5]
    return values


def site_address_key(address_line: str, unit: str, zip_code: str, city: str) -> str:
    """What makes two registrations the same location for one owner."""
    return query_key(f"{address_line} {unit} {zip_code or city}")


def _start_site(
    draft: RegistrationDraft, address: dict, lat: float, lon: float, source: str, status: str
) -> None:
    """Put the location being added at a proposed point; the address is kept as typed too."""
    draft.data["site"] = {
        **address,
        "lat": lat,
        "lon": lon,
        "location_source": source,
        "geocode_status": status,
        "cameras": (draft.data.get("site") or {}).get("cameras") or [],
    }
    raw = draft.data.setdefault("raw", {})
    for name in ("address_line", "unit", "city", "state", "zip_code"):
        raw[name] = address[name]


def locate_address(
    session: Session,
    key: str,
    geocoder: Geocoder,
    jurisdiction: Jurisdiction,
    street: str,
    unit: str,
    city: str,
    state: str,
    zip_code: str,
    map_center: tuple[float, float],
) -> LocationResult:
    """Geocode the address and propose a pin; an outage falls back to the ZIP centroid."""
    draft = load_draft(session, key)
    address = _clean_address(street, unit, city, state, zip_code)
    query = address_query(
        address["address_line"], address["city"], address["state"], address["zip_code"]
    )
    outcome = geocode_cached(session, geocoder, query)
    status = outcome.status
    guess = zip_centroid(address["zip_code"])
    guess_inside = guess is not None and jurisdiction.contains(*guess)
    if status == "ok" and outcome.place is not None:
        lat, lon = outcome.place.lat, outcome.place.lon
        if not jurisdiction.contains(lat, lon):
            if not guess_inside:
                raise DomainError("error.outside_jurisdiction", field="address_line")
            # The geocoder picked a namesake street elsewhere, but the ZIP code is ours:
            # let the resident place the pin rather than turn them away.
            status, (lat, lon), source = "no_match", guess, "zip_centroid"
        else:
            source = "geocoder"
            if not address["zip_code"] and outcome.place.zip_code:
                address["zip_code"] = outcome.place.zip_code
    elif guess is not None and not guess_inside:
        # The map search cannot check the street, but the ZIP code is someone else's.
        raise DomainError("error.outside_jurisdiction", field="zip_code")
    else:
        # Without a match the pin starts at the ZIP code's centre, or the map's centre
        # when there is no ZIP code; either way the resident must put it in place.
        lat, lon = guess if guess_inside else map_center
        source = "zip_centroid" if guess_inside else "map_center"
    _start_site(draft, address, lat, lon, source, status)
    save_draft(draft, "pin")
    return LocationResult(status, lat, lon, _snapshot(draft, key, None))


def locate_device(
    session: Session,
    key: str,
    geocoder: Geocoder,
    jurisdiction: Jurisdiction,
    lat: float,
    lon: float,
) -> LocationResult:
    """Start from the phone's position; fill the address from a reverse lookup if possible."""
    draft = load_draft(session, key)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise DomainError("error.location_unavailable")
    if not jurisdiction.contains(lat, lon):
        raise DomainError("error.outside_jurisdiction")
    address = {"address_line": "", "unit": "", "city": "", "state": "", "zip_code": ""}
    status = "device"
    try:
        place = geocoder.reverse(lat, lon)
    except GeocoderUnavailable:
        place = None
        status = "unavailable"
    if place is not None:
        address.update(
            address_line=" ".join(p for p in (place.house_number, place.street) if p),
            city=place.city,
            state=place.state,
            zip_code=place.zip_code,
        )
    _start_site(draft, address, lat, lon, "device", "ok" if place else status)
    save_draft(draft, "pin")
    return LocationResult(status, lat, lon, _snapshot(draft, key, None))


def _query_of(address: dict) -> str:
    return query_key(
        address_query(
            address["address_line"], address["city"], address["state"], address["zip_code"]
        )
    )


def move_pin(session: Session, key: str, lat: float, lon: float) -> None:
    """Remember where the resident put the pin, so a reload does not undo it."""
    draft = load_draft(session, key)
    site = draft.data.get("site")
    if site and -90 <= lat <= 90 and -180 <= lon <= 180:
        site["pin"] = [round(lat, 6), round(lon, 6)]
        save_draft(draft)


def confirm_pin(
    session: Session,
    key: str,
    jurisdiction: Jurisdiction,
    lat: float,
    lon: float,
    street: str | None = None,
    unit: str | None = None,
    city: str | None = None,
    state: str | None = None,
    zip_code: str | None = None,
) -> DraftSnapshot:
    """Accept the pin where the resident left it; it must be inside the jurisdiction.

    The address fields may be given again (a device location needs one typed in).
    """
    draft = load_draft(session, key)
    site = draft.data.get("site")
    if not site:
        raise DomainError("error.step_unavailable")
    if not jurisdiction.contains(lat, lon):
        raise DomainError("error.outside_jurisdiction")
    if street is not None:
        address = _clean_address(street, unit or "", city or "", state or "", zip_code or "")
        if site["location_source"] != "device" and _query_of(address) != _query_of(site):
            # A corrected street or ZIP code must be looked up again, not pinned blindly.
            raise DomainError("error.address_changed")
        site.update(address)
    elif not site.get("address_line"):
        raise ValidationFailed({"address_line": "error.address_required"})
    moved = abs(lat - site["lat"]) > 1e-6 or abs(lon - site["lon"]) > 1e-6
    if site["location_source"] == "map_center" and not moved:
        raise DomainError("error.pin_not_placed")
    if moved or site["location_source"] == "zip_centroid":
        site["location_source"] = "resident_pin"
    site["lat"], site["lon"] = round(lat, 6), round(lon, 6)
    site["pin_confirmed"] = True
    save_draft(draft, "cameras")
    return _snapshot(draft, key, None)


# --- cameras ---------------------------------------------------------------------------


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
    return _snapshot(draft, key, None)


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
    return _snapshot(draft, key, None)


def remove_site(session: Session, key: str, index: int) -> DraftSnapshot:
    """Drop one location from the draft."""
    draft = load_draft(session, key)
    sites = draft.data.get("sites") or []
    if isinstance(index, int) and 0 <= index < len(sites):
        sites.pop(index)
        forget_signature(draft)
    save_draft(draft, "agreement" if sites else "location")
    return _snapshot(draft, key, None)


# --- agreement -------------------------------------------------------------------------


def _signature_form(name: str) -> str:
    """A name as compared for signing: case and accents ignored (not every keyboard has é)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def accept_agreement(
    session: Session,
    key: str,
    agreement_id: int,
    accepted: bool,
    typed_name: str,
    ip_address: str | None,
    user_agent: str | None,
    now: datetime | None = None,
) -> DraftSnapshot:
    """Record the resident's acceptance of the exact text shown; next, verify the phone."""
    draft = load_draft(session, key)
    contact = draft.data.get("contact")
    if not contact or not draft.data.get("sites"):
        raise DomainError("error.step_unavailable")
    agreement = get_agreement(session, agreement_id)
    if agreement is None:
        raise DomainError("error.agreement_changed")
    errors: dict[str, str] = {}
    if not accepted:
        errors["accepted"] = "error.agreement_not_accepted"
    name = clean_name(typed_name)
    if not name:
        errors["typed_name"] = "error.typed_name_required"
    elif _signature_form(name) != _signature_form(contact["full_name"]):
        errors["typed_name"] = "error.typed_name_mismatch"
    if errors:
        raise ValidationFailed(errors)
    draft.data["consent"] = {
        "agreement_version_id": agreement.id,
        "version": agreement.version,
        "text_sha256": agreement.text_sha256,
        "language": agreement.language,
        "typed_name": name,
        "accepted_at": (now or utcnow()).isoformat(),
        "ip_address": (ip_address or "")[:64] or None,
        "user_agent": (user_agent or "")[:400] or None,
    }
    save_draft(draft, "verify")
    return _snapshot(draft, key, None)


def purge_expired_drafts(session: Session, now: datetime | None = None) -> int:
    """Delete unfinished drafts past their expiry (with their codes); returns how many."""
    now = now or utcnow()
    drafts = session.scalars(
        select(RegistrationDraft).where(
            RegistrationDraft.expires_at <= now, RegistrationDraft.completed_at.is_(None)
        )
    ).all()
    for draft in drafts:
        session.delete(draft)
    return len(drafts)

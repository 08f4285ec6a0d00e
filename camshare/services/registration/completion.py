"""The registry itself: turning a verified draft into an owner, sites, cameras and consent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from camshare.i18n import plural, translate
from camshare.models import (
    Camera,
    Consent,
    Owner,
    PhoneVerification,
    Site,
    utcnow,
)
from camshare.services import audit
from camshare.services.agreements.texts import version_in_force
from camshare.services.errors import DomainError
from camshare.services.geography.addresses import one_line_address
from camshare.services.geography.geocoding import Geocoder, address_query, geocode_cached
from camshare.services.messaging.outbox import enqueue_sms
from camshare.services.owners.links import new_owner_link
from camshare.services.owners.standing import refresh_status
from camshare.services.registration import load_draft, record_progress, save_draft, site_address_key
from camshare.settings import Settings


@dataclass(frozen=True)
class SiteSummary:
    """One registered location as the confirmation shows it."""

    address: str
    cameras: int


@dataclass(frozen=True)
class Confirmation:
    """What the resident sees once registered."""

    owner_id: int
    agreement_version: str
    sites: list[SiteSummary]
    updated_existing: bool
    # The owner's status once registered ("active", or "paused" when their own pause holds).
    status: str = "active"
    paused_until: datetime | None = None

    @property
    def camera_count(self) -> int:
        """All cameras across the sites."""
        return sum(s.cameras for s in self.sites)


def manage_url(settings: Settings, token: str) -> str:
    """The owner's link to manage their registration."""
    return settings.public_url(f"/manage/{token}")


def complete_registration(
    session: Session, key: str, settings: Settings, now: datetime | None = None
) -> Confirmation:
    """Create or update the owner from a verified draft, with consent receipt and SMS.

    Registering again with the same phone is a fresh, explicit consent: the owner typed
    their name under the agreement shown and proved the phone. So it answers a pending
    re-consent (when the version signed is the one in force) and a yearly re-confirmation
    (``confirmed_at``). It does not end a pause the owner chose: only they can, by resuming,
    or its date passing; the confirmation says it is still paused. The status itself is
    worked out by ``owner_standing.refresh_status``, its one writer, never set here.
    """
    now = now or utcnow()
    draft = load_draft(session, key, now)
    contact = draft.data.get("contact")
    consent = draft.data.get("consent")
    sites = draft.data.get("sites") or []
    if draft.step != "verify" or not contact or not consent or not sites:
        raise DomainError("error.step_unavailable")
    if draft.data.get("phone_verified") != contact["phone_e164"]:
        raise DomainError("error.phone_not_verified")

    owner = session.scalar(select(Owner).where(Owner.phone_e164 == contact["phone_e164"]))
    updated_existing = owner is not None
    if owner is None:
        owner = Owner(phone_e164=contact["phone_e164"], campaign_id=draft.campaign_id)
        session.add(owner)
    owner.full_name = contact["full_name"]
    owner.email = contact["email"]
    owner.owner_kind = contact["owner_kind"]
    owner.business_name = contact["business_name"]
    owner.language = draft.language
    owner.phone_verified_at = now
    owner.confirmed_at = now
    in_force = version_in_force(session)
    if in_force is not None and in_force.version == consent["version"]:
        owner.reconsent_requested_at = None
    session.flush()
    # The receipt's link signs the owner in once, for a few days; then the phone does.
    token = new_owner_link(session, owner, "manage", settings.manage_link_hours, now)

    summaries = []
    for data in sites:
        summaries.append(_upsert_site(session, owner, data, now))
    session.add(
        Consent(
            owner_id=owner.id,
            agreement_version_id=consent["agreement_version_id"],
            text_sha256=consent["text_sha256"],
            language=consent["language"],
            typed_name=consent["typed_name"],
            accepted_at=datetime.fromisoformat(consent["accepted_at"]),
            ip_address=consent["ip_address"],
            user_agent=consent["user_agent"],
        )
    )
    # Once the sites and the consent are in: the status decides whether they may be asked.
    refresh_status(owner, settings, now)
    confirmation = Confirmation(
        owner.id,
        consent["version"],
        summaries,
        updated_existing,
        owner.status,
        owner.paused_until if owner.status == "paused" else None,
    )
    all_sites, all_cameras = _registered_totals(session, owner.id)

    def body(link: str) -> str:
        return translate(
            draft.language,
            "sms.receipt",
            program=settings.program(draft.language),
            version=consent["version"],
            sites=plural(draft.language, "sms.locations", all_sites),
            cameras=plural(draft.language, "sms.cameras", all_cameras),
            link=link,
        )

    enqueue_sms(
        session,
        owner.phone_e164,
        body(manage_url(settings, token)),
        "registration_receipt",
        draft.language,
        owner.id,
        redacted_body=body(manage_url(settings, "…")),
    )
    draft.completed_at = now
    draft.owner_id = owner.id
    record_progress(session, draft, "completed", now, owner_id=owner.id)
    # From now on personal data lives only on the owner: the draft keeps counts (for the
    # outreach funnel) and the codes that proved the phone are no longer needed.
    draft.data = {"sites": len(summaries), "cameras": confirmation.camera_count}
    session.execute(delete(PhoneVerification).where(PhoneVerification.draft_id == draft.id))
    save_draft(draft, "done")
    audit.record(
        session,
        f"owner:{owner.id}",
        "registration.updated" if updated_existing else "registration.completed",
        subject=f"owner:{owner.id}",
        ip_address=consent["ip_address"],
        sites=len(summaries),
        cameras=confirmation.camera_count,
        agreement_version=consent["version"],
        status=owner.status,
    )
    return confirmation


def _registered_totals(session: Session, owner_id: int) -> tuple[int, int]:
    sites = session.scalar(
        select(func.count(Site.id)).where(Site.owner_id == owner_id, Site.status == "active")
    )
    cameras = session.scalar(
        select(func.coalesce(func.sum(Camera.count), 0))
        .join(Site, Camera.site_id == Site.id)
        .where(Site.owner_id == owner_id, Site.status == "active")
    )
    return int(sites or 0), int(cameras or 0)


def _upsert_site(session: Session, owner: Owner, data: dict, now: datetime) -> SiteSummary:
    key = site_address_key(data["address_line"], data["unit"], data["zip_code"], data["city"])
    site = session.scalar(select(Site).where(Site.owner_id == owner.id, Site.address_key == key))
    if site is None:
        site = Site(owner_id=owner.id, address_key=key)
        session.add(site)
    site.address_line = data["address_line"]
    site.unit = data["unit"] or None
    site.city = data["city"] or None
    site.state = data["state"] or None
    site.zip_code = data["zip_code"] or None
    site.lat = data["lat"]
    site.lon = data["lon"]
    site.location_source = data["location_source"]
    site.geocode_status = data["geocode_status"]
    site.geocoded_at = now if data["geocode_status"] == "ok" else None
    site.status = "active"
    site.cameras = [Camera(**row) for row in data["cameras"]]
    session.flush()
    return SiteSummary(one_line_address(data), sum(row["count"] for row in data["cameras"]))


def retry_next_pending_geocode(session: Session, geocoder: Geocoder) -> str | None:
    """Check the address of one site registered while the geocoder was down.

    Returns the new status ("ok", "no_match", "unavailable" when still down), or None when
    nothing waits. The resident's pin stays where they put it: the answer only records that
    the address was checked (and fills a missing ZIP code). Nothing is written before the
    geocoder is called, so its app-wide throttle never waits on this transaction's locks.
    """
    site = session.scalar(
        select(Site)
        .where(Site.geocode_status == "unavailable", Site.status == "active")
        .order_by(Site.geocoded_at.is_not(None), Site.updated_at, Site.id)
        .limit(1)
    )
    if site is None:
        return None
    query = address_query(site.address_line, site.city or "", site.state or "", site.zip_code or "")
    outcome = geocode_cached(session, geocoder, query)
    site.geocode_attempts += 1
    if outcome.status != "unavailable":
        site.geocode_status = outcome.status
        site.geocoded_at = utcnow()
        if outcome.place and not site.zip_code and outcome.place.zip_code:
            site.zip_code = outcome.place.zip_code
    return outcome.status

"""Withdrawing from the registry, and the owner's copy of everything stored about them.

Withdrawing deletes the person at once: the owner row and, with it, their locations,
cameras, consents, links and sessions; every text to or from their number, their codes,
drafts and the geocoder's memory of their addresses. What stays is anonymous: answers to
past requests (for the public figures) and audit entries, in which the owner is replaced
by an opaque reference that nothing links back to them. One last SMS confirms it; once
sent, even its number is forgotten.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from camshare.i18n import translate
from camshare.models import (
    AccessRecipient,
    AccessRequest,
    AgreementVersion,
    AuditEvent,
    CampaignVisit,
    Consent,
    GeocodeCacheEntry,
    InboundSms,
    OutboxMessage,
    Owner,
    PhoneVerification,
    RegistrationDraft,
    Site,
    utcnow,
)
from camshare.services import audit
from camshare.services.footage import retention as footage_retention
from camshare.services.geography.geocoding import address_query, query_key
from camshare.services.live import shares as live_shares
from camshare.services.messaging.outbox import enqueue_sms
from camshare.settings import Settings


def withdraw(
    session: Session,
    owner_id: int,
    settings: Settings,
    now: datetime | None = None,
    footage_storage=None,
) -> str:
    """Erase the owner now; returns the opaque reference that replaces them in the audit log.

    Their footage not accepted into evidence is deleted from ``footage_storage`` at once;
    accepted files stay with the agency, without their name, caption or link to them.
    """
    now = now or utcnow()
    footage_retention.withdraw_owner(session, footage_storage, owner_id, now)
    # Live view stops at once (the bridge's next poll finds nothing to push).
    live_shares.end_for_withdrawal(session, owner_id, now)
    owner = session.get(Owner, owner_id)
    phone, language = owner.phone_e164, owner.language
    reference = f"withdrawn:{secrets.token_hex(8)}"
    me = f"owner:{owner_id}"
    keys = [
        query_key(address_query(s.address_line, s.city or "", s.state or "", s.zip_code or ""))
        for s in owner.sites
    ]
    session.execute(delete(GeocodeCacheEntry).where(GeocodeCacheEntry.query_key.in_(keys)))
    session.execute(
        update(AccessRecipient).where(AccessRecipient.owner_id == owner_id).values(note=None)
    )
    session.execute(delete(OutboxMessage).where(OutboxMessage.to_e164 == phone))
    session.execute(delete(PhoneVerification).where(PhoneVerification.phone_e164 == phone))
    session.execute(delete(InboundSms).where(InboundSms.from_e164 == phone))
    session.execute(delete(RegistrationDraft).where(RegistrationDraft.owner_id == owner_id))
    session.execute(update(AuditEvent).where(AuditEvent.actor == me).values(actor=reference))
    session.execute(update(AuditEvent).where(AuditEvent.subject == me).values(subject=reference))
    session.expunge(owner)
    # The database does the rest (ON DELETE CASCADE / SET NULL): sites, cameras, consents,
    # links and sessions go; requests' recipients and campaign visits lose the link.
    session.execute(delete(Owner).where(Owner.id == owner_id))
    message = enqueue_sms(
        session,
        phone,
        translate(language, "sms.withdrawn", program=settings.program(language)),
        "withdrawal_confirmation",
        language,
    )
    message.forget_recipient = True
    audit.record(session, reference, "owner.withdrew", at=now)
    return reference


def my_data(session: Session, owner_id: int) -> dict:
    """Everything stored about the owner, as plain JSON-ready values."""
    owner = session.get(Owner, owner_id)

    def when(moment: datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    sites = session.scalars(select(Site).where(Site.owner_id == owner_id).order_by(Site.id)).all()
    consents = session.execute(
        select(Consent, AgreementVersion.version)
        .join(AgreementVersion, AgreementVersion.id == Consent.agreement_version_id)
        .where(Consent.owner_id == owner_id)
        .order_by(Consent.id)
    ).all()
    requests = session.execute(
        select(AccessRecipient, AccessRequest)
        .join(AccessRequest, AccessRequest.id == AccessRecipient.request_id)
        .where(AccessRecipient.owner_id == owner_id)
        .order_by(AccessRequest.id)
    ).all()
    messages = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.to_e164 == owner.phone_e164)
        .order_by(OutboxMessage.id)
    ).all()
    me = f"owner:{owner_id}"
    events = session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.actor == me, AuditEvent.subject == me))
        .order_by(AuditEvent.id)
    ).all()
    visits = session.scalars(select(CampaignVisit).where(CampaignVisit.owner_id == owner_id)).all()
    return {
        "owner": {
            "name": owner.full_name,
            "phone": owner.phone_e164,
            "email": owner.email,
            "kind": owner.owner_kind,
            "business_name": owner.business_name,
            "language": owner.language,
            "status": owner.status,
            "registered_at": when(owner.created_at),
            "phone_verified_at": when(owner.phone_verified_at),
            "confirmed_at": when(owner.confirmed_at),
            "paused_at": when(owner.paused_at),
            "paused_until": when(owner.paused_until),
            "sms_opted_out_at": when(owner.sms_opted_out_at),
        },
        "locations": [
            {
                "address": s.address_line,
                "unit": s.unit,
                "city": s.city,
                "state": s.state,
                "zip_code": s.zip_code,
                "lat": s.lat,
                "lon": s.lon,
                "status": s.status,
                "cameras": [
                    {
                        "kind": c.camera_kind,
                        "count": c.count,
                        "faces": c.faces,
                        "direction": c.direction,
                        "recording": c.recording,
                        "retention_days": c.retention_days,
                    }
                    for c in s.cameras
                ],
            }
            for s in sites
        ],
        "consents": [
            {
                "version": version,
                "language": c.language,
                "text_sha256": c.text_sha256,
                "typed_name": c.typed_name,
                "accepted_at": when(c.accepted_at),
                "ip_address": c.ip_address,
                "user_agent": c.user_agent,
                "withdrawn_at": when(c.withdrawn_at),
            }
            for c, version in consents
        ],
        "requests": [
            {
                "request": r.id,
                "incident_type": r.incident_type,
                "place": r.block_label,
                "sent_at": when(r.sent_at),
                "answer": rec.answer,
                "answered_at": when(rec.answered_at),
                "note": rec.note,
            }
            for rec, r in requests
        ],
        "text_messages": [
            {
                "purpose": m.purpose,
                "status": m.status,
                "created_at": when(m.created_at),
                "text": m.body,
            }
            for m in messages
        ],
        "campaign_visits": [{"visited_at": when(v.visited_at)} for v in visits],
        "log": [
            {"at": when(e.at), "who": e.actor, "what": e.action, "details": e.detail}
            for e in events
        ],
    }

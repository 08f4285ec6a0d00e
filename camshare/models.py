"""The registry's tables, as SQLAlchemy 2.0 typed models.

Personal data (an owner's name, phone, e-mail) lives only on ``Owner``; every other table
refers to the owner by id, so that withdrawing can erase a person in one place.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from camshare import vocabulary as v


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware."""
    return datetime.now(UTC)


def one_of(table: str, column: str, values: Iterable[str]) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``values`` (or NULL, where the column allows it).

    Named ``ck_<table>_<column>``, so a migration can drop it on every database.
    """
    allowed = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{table}_{column}")


class Base(DeclarativeBase):
    """Base class of every camshare table."""

    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON}


class Campaign(Base):
    """An outreach effort (an event, a flyer run) whose QR code leads to /join/<code>."""

    __tablename__ = "campaign"
    __table_args__ = (
        one_of("campaign", "kind", v.CAMPAIGN_KINDS),
        one_of("campaign", "flyer_language", v.FLYER_LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="community_event")
    event_date: Mapped[str | None] = mapped_column(String(10))
    place: Mapped[str | None] = mapped_column(String(200))
    zip_code: Mapped[str | None] = mapped_column(String(10))
    neighbourhood: Mapped[str | None] = mapped_column(String(100))
    # "en", "es" or "both": the language(s) of its printed flyer.
    flyer_language: Mapped[str] = mapped_column(String(8), default="en")
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]


class CampaignVisit(Base):
    """One browser arriving through a campaign's join URL (a 'scan')."""

    __tablename__ = "campaign_visit"
    __table_args__ = (
        UniqueConstraint("draft_id", "campaign_id"),
        one_of("campaign_visit", "language", v.LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration_draft.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(8))
    visited_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # How far this visit's sign-up went. Kept here, not only on the draft: unfinished drafts
    # are deleted after a day, and the funnel must still count who gave up where.
    started_at: Mapped[datetime | None]
    verified_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    # Indexed: erasing an owner sets it to NULL in every visit that names them.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("owner.id", ondelete="SET NULL"), index=True
    )


class AgreementVersion(Base):
    """One published text of the sharing agreement, in one language."""

    __tablename__ = "agreement_version"
    __table_args__ = (
        UniqueConstraint("version", "language"),
        one_of("agreement_version", "language", v.LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    change_summary: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Owner(Base):
    """A resident or business that registered cameras; the only home of personal data."""

    __tablename__ = "owner"
    __table_args__ = (
        one_of("owner", "status", v.OWNER_STATUSES),
        one_of("owner", "owner_kind", v.OWNER_KINDS),
        one_of("owner", "language", v.LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_e164: Mapped[str] = mapped_column(String(20), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    owner_kind: Mapped[str] = mapped_column(String(16), default="resident")
    business_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Derived: written only by services/owners/standing.refresh_status (a new owner, with
    # no reason to hold back, starts "active").
    status: Mapped[str] = mapped_column(String(16), default="active")
    phone_verified_at: Mapped[datetime | None]
    sms_opted_out_at: Mapped[datetime | None]
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Sharing paused by the owner (status "paused"), optionally until a date.
    paused_at: Mapped[datetime | None]
    paused_until: Mapped[datetime | None]
    # Last time the owner said they still have these cameras (registration counts).
    confirmed_at: Mapped[datetime | None]
    reconfirm_requested_at: Mapped[datetime | None]
    reconsent_requested_at: Mapped[datetime | None]

    sites: Mapped[list[Site]] = relationship(back_populates="owner")


class OwnerLink(Base):
    """A link texted to an owner (manage, re-consent, re-confirm): single use, short-lived."""

    __tablename__ = "owner_link"
    __table_args__ = (one_of("owner_link", "purpose", v.OWNER_LINK_PURPOSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Indexed, as expires_at: retention deletes links used or expired before its cut-off.
    used_at: Mapped[datetime | None] = mapped_column(index=True)


class OwnerSession(Base):
    """An owner signed in on a phone (by SMS code or a manage link); only the hash is kept."""

    __tablename__ = "owner_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Indexed, as expires_at: retention deletes sessions ended before its cut-off.
    revoked_at: Mapped[datetime | None] = mapped_column(index=True)


class Site(Base):
    """A registered camera location: a confirmed point and the address it came from."""

    __tablename__ = "site"
    __table_args__ = (
        UniqueConstraint("owner_id", "address_key"),
        Index("ix_site_lat_lon", "lat", "lon"),
        one_of("site", "status", v.SITE_STATUSES),
        one_of("site", "location_source", v.LOCATION_SOURCES),
        one_of("site", "geocode_status", v.GEOCODE_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"), index=True)
    address_line: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str | None] = mapped_column(String(50))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(50))
    zip_code: Mapped[str | None] = mapped_column(String(10), index=True)
    address_key: Mapped[str] = mapped_column(String(400))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    location_source: Mapped[str] = mapped_column(String(16))
    geocode_status: Mapped[str] = mapped_column(String(16))
    geocode_attempts: Mapped[int] = mapped_column(Integer, default=0)
    geocoded_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Derived: written only by services/may_be_asked.refresh_may_be_asked; the spatial
    # indexes of the radius search hold only the sites where it is true (migration 0012).
    may_be_asked: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Derived: what the radius search shows of the site's cameras, a JSON array of
    # [camera_kind, count, faces, direction] in camera order (NULL without cameras). Its one
    # writer is the database's triggers on camera (migration 0015); the spatial indexes carry
    # it, so the search reads nothing else. Never set it from Python.
    camera_summary: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[Owner] = relationship(back_populates="sites")
    cameras: Mapped[list[Camera]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="Camera.id"
    )


class Camera(Base):
    """One row of identical cameras at a site."""

    __tablename__ = "camera"
    __table_args__ = (
        # Every column the radius search shows, in camera order per site: the search reads
        # a site's cameras from this index alone, never the rows (migration 0007).
        Index(
            "ix_camera_site_summary", "site_id", "id", "camera_kind", "count", "faces", "direction"
        ),
        one_of("camera", "camera_kind", v.CAMERA_KINDS),
        one_of("camera", "faces", v.CAMERA_FACES),
        one_of("camera", "direction", v.DIRECTIONS),
        one_of("camera", "recording", v.RECORDING_MODES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    camera_kind: Mapped[str] = mapped_column(String(24))
    count: Mapped[int] = mapped_column(Integer, default=1)
    faces: Mapped[str] = mapped_column(String(24))
    direction: Mapped[str | None] = mapped_column(String(4))
    recording: Mapped[str] = mapped_column(String(16))
    retention_days: Mapped[int] = mapped_column(Integer)

    site: Mapped[Site] = relationship(back_populates="cameras")


class Consent(Base):
    """The receipt of one owner accepting one agreement version."""

    __tablename__ = "consent"
    __table_args__ = (
        # The consents still standing, by owner: whether an owner may be asked, from the index
        # alone (withdrawn_at is in it so that SQLite, too, never reads the row; migration 0007).
        Index(
            "ix_consent_standing",
            "owner_id",
            "withdrawn_at",
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
        one_of("consent", "language", v.LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"), index=True)
    agreement_version_id: Mapped[int] = mapped_column(ForeignKey("agreement_version.id"))
    text_sha256: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    typed_name: Mapped[str] = mapped_column(String(200))
    accepted_at: Mapped[datetime]
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    withdrawn_at: Mapped[datetime | None]


class RegistrationDraft(Base):
    """A sign-up in progress, kept server-side under a key the browser holds.

    ``data`` keeps both what the resident typed (``raw``) and what was validated, so a
    reload or a dropped connection loses nothing. Unverified drafts expire.
    """

    __tablename__ = "registration_draft"
    __table_args__ = (
        one_of("registration_draft", "step", v.DRAFT_STEPS),
        one_of("registration_draft", "language", v.LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaign.id"), index=True)
    language: Mapped[str] = mapped_column(String(8), default="en")
    step: Mapped[str] = mapped_column(String(16), default="contact")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Indexed: withdrawing deletes an owner's drafts by it.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("owner.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    contact_saved_at: Mapped[datetime | None]
    phone_verified_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class PhoneVerification(Base):
    """One SMS code sent to prove a phone number; only its hash is kept."""

    __tablename__ = "phone_verification"
    __table_args__ = (one_of("phone_verification", "purpose", v.VERIFICATION_PURPOSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("registration_draft.id", ondelete="CASCADE"), index=True
    )
    # "signup" (a draft's phone) or "signin" (an owner signing in to their pages).
    purpose: Mapped[str] = mapped_column(String(16), default="signup", server_default="signup")
    phone_e164: Mapped[str] = mapped_column(String(20), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    verified_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """An SMS to send, written in the same transaction as the change that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        one_of("outbox_message", "status", v.OUTBOX_STATUSES),
        one_of("outbox_message", "language", v.LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_e164: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text)
    # The body with its secret (code, link) masked; replaces ``body`` once sent.
    body_redacted: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    # Indexed: erasing an owner sets it to NULL in each of their messages.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("owner.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    provider_status: Mapped[str | None] = mapped_column(String(24))
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    # Past this, the message is useless (a code that has expired): not sent at all.
    expires_at: Mapped[datetime | None]
    # A withdrawn owner's last message: once sent, even the number is forgotten.
    forget_recipient: Mapped[bool] = mapped_column(default=False, server_default=false())


class GeocodeCacheEntry(Base):
    """A geocoder answer kept so the same address is never asked twice."""

    __tablename__ = "geocode_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_key: Mapped[str] = mapped_column(String(400), unique=True)
    provider: Mapped[str] = mapped_column(String(32))
    found: Mapped[bool]
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    display_name: Mapped[str | None] = mapped_column(String(400))
    zip_code: Mapped[str | None] = mapped_column(String(10))
    # Indexed: typed addresses are forgotten after 30 days, by this.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditEvent(Base):
    """An append-only record of who did what, when and from where."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Both indexed: withdrawing replaces an owner by a reference in each, and "my data"
    # and the owner's page look them up.
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip_address: Mapped[str | None] = mapped_column(String(64))


class ThrottleSlot(Base):
    """When a rate-limited resource (the geocoder) may next be called, app-wide.

    A row, not a variable: several web workers and the worker process share one limit.
    """

    __tablename__ = "throttle_slot"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Seconds since the epoch: plain numbers let one UPDATE do the arithmetic atomically.
    next_at: Mapped[float] = mapped_column(Float)


class WorkerHeartbeat(Base):
    """When a process that sends the outbox last showed it is alive (``/readyz`` reads it).

    One row per role (``dispatcher``), written by whichever dispatcher beat last.
    """

    __tablename__ = "worker_heartbeat"

    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # host:pid of the last one, for an operator reading the table.
    worker: Mapped[str] = mapped_column(String(128))


class StaffUser(Base):
    """A staff account: admin, supervisor, police or outreach."""

    __tablename__ = "staff_user"
    __table_args__ = (
        one_of("staff_user", "role", v.STAFF_ROLES),
        one_of("staff_user", "language", v.LANGUAGES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # A mobile number for urgent notices (emergency requests), never shown to owners.
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    # The language of the texts sent to that number: the one last chosen on the staff pages.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    # The last TOTP time step accepted: a code is good once, never replayed.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    # Throttle: no password is checked before this time; lock: far longer, after many.
    next_login_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in browser; only the hash of its token is stored."""

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Both indexed: retention deletes sessions expired or ended before its cut-off.
    expires_at: Mapped[datetime] = mapped_column(index=True)
    # Set once the password and (where the role needs it) the TOTP code are both checked.
    authenticated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None] = mapped_column(index=True)
    ip_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(400))


class AccessRequest(Base):
    """Police asking the owners of cameras near an incident for footage."""

    __tablename__ = "access_request"
    __table_args__ = (
        one_of("access_request", "status", v.REQUEST_STATUSES),
        one_of("access_request", "close_reason", v.CLOSE_REASONS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What owners reply by SMS ("YES K7P3"): short, unambiguous, unique.
    reply_code: Mapped[str] = mapped_column(String(8), unique=True)
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    incident_type: Mapped[str] = mapped_column(String(40))
    emergency: Mapped[bool]
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    address_text: Mapped[str | None] = mapped_column(String(300))
    # What owners are told of the place: the block, never the exact address.
    block_label: Mapped[str] = mapped_column(String(200))
    zip_code: Mapped[str | None] = mapped_column(String(10))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    radius_m: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(Text)
    # awaiting_approval -> open -> closed; or awaiting_approval -> rejected.
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    close_reason: Mapped[str | None] = mapped_column(String(16))

    recipients: Mapped[list[AccessRecipient]] = relationship(
        back_populates="request", order_by="AccessRecipient.id"
    )


class AccessRecipient(Base):
    """One owner asked in one request, however many of their cameras matched."""

    __tablename__ = "access_recipient"
    __table_args__ = (
        UniqueConstraint("request_id", "owner_id"),
        one_of("access_recipient", "answer", v.ANSWERS),
        one_of("access_recipient", "answered_via", v.ANSWER_CHANNELS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), index=True
    )
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("owner.id", ondelete="SET NULL"), index=True
    )
    site_ids: Mapped[dict[str, Any]] = mapped_column(default=dict)
    distance_m: Mapped[float] = mapped_column(Float)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # Indexed: purging messages sets it to NULL, and the purge asks which are still used.
    outbox_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True
    )
    opened_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(String(10))
    answered_at: Mapped[datetime | None]
    answered_via: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(500))

    request: Mapped[AccessRequest] = relationship(back_populates="recipients")


class InboundSms(Base):
    """A text an owner sent us, kept by the provider's id so a replayed webhook acts once."""

    __tablename__ = "inbound_sms"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), unique=True)
    from_e164: Mapped[str] = mapped_column(String(20), index=True)
    outcome: Mapped[str] = mapped_column(String(24))
    reply: Mapped[str | None] = mapped_column(Text)
    # Indexed: retention deletes by it.
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class FootageFile(Base):
    """One file an owner (or an officer on their behalf) sent for one request."""

    __tablename__ = "footage_file"
    __table_args__ = (
        one_of("footage_file", "status", v.FOOTAGE_STATUSES),
        one_of("footage_file", "kind", v.FOOTAGE_KINDS),
        # The same file twice for one request is stored once.
        Index(
            "uq_footage_file_request_sha256",
            "request_id",
            "sha256",
            unique=True,
            postgresql_where=text("sha256 IS NOT NULL"),
            sqlite_where=text("sha256 IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), index=True
    )
    # Whose answer the file belongs to.
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_recipient.id", ondelete="SET NULL"), index=True
    )
    # NULL after withdrawal: accepted evidence loses the owner's identity.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("owner.id", ondelete="SET NULL"), index=True
    )
    # Set for a pickup upload on the owner's behalf.
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    upload_id: Mapped[str] = mapped_column(String(64), unique=True)
    # Cleaned: no path, no control characters, at most 200 characters.
    original_name: Mapped[str] = mapped_column(String(200))
    caption: Mapped[str | None] = mapped_column(String(500))
    # The declared length; equals the bytes received once complete.
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    # Computed by the server while the bytes arrive, never taken from the client.
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(12), index=True, default="receiving")
    # An i18n message key.
    refusal_reason: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str | None] = mapped_column(String(10))
    # From the bytes (puremagic), never from the name.
    media_type: Mapped[str | None] = mapped_column(String(100))
    container: Mapped[str | None] = mapped_column(String(40))
    video_codec: Mapped[str | None] = mapped_column(String(40))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    # From the container's metadata, if any.
    recorded_at: Mapped[datetime | None]
    # The original, bit for bit.
    storage_key: Mapped[str | None] = mapped_column(String(200))
    # Derived: a JPEG, and a browser-playable MP4 when the original is not.
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    preview_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(index=True)
    triaged_at: Mapped[datetime | None]
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # A supervisor's legal hold; keeps accepted files past retention.
    hold_reason: Mapped[str | None] = mapped_column(String(500))
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # One writer: services/footage/retention.py.
    delete_after: Mapped[datetime | None] = mapped_column(index=True)
    deleted_at: Mapped[datetime | None]


class FootageGrant(Base):
    """A staff member explicitly added to a request's footage, view-only or view-and-download."""

    __tablename__ = "footage_grant"
    __table_args__ = (
        UniqueConstraint("request_id", "staff_user_id"),
        # "level", not "grant": GRANT is a reserved word in PostgreSQL.
        one_of("footage_grant", "level", v.FOOTAGE_GRANTS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), index=True
    )
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    level: Mapped[str] = mapped_column(String(10))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)


class FootageJob(Base):
    """Work on a received file for the worker, written in the same transaction as "received".

    A row, not a task in a web process: a restart delays the work, never drops it. Claimed
    under a lease like an outbox message (``services/footage/jobs.py``).
    """

    __tablename__ = "footage_job"
    __table_args__ = (
        Index("ix_footage_job_due", "status", "run_after"),
        one_of("footage_job", "kind", v.FOOTAGE_JOB_KINDS),
        one_of("footage_job", "status", v.FOOTAGE_JOB_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    file_id: Mapped[int] = mapped_column(
        ForeignKey("footage_file.id", ondelete="CASCADE"), index=True
    )
    # Whose receipt (receipts of one owner and request are sent together).
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_recipient.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When due; while running, when the lease of the worker that claimed it runs out.
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    # Why the last try failed (an exception's class name, or "not_convertible").
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]


class LiveDevice(Base):
    """A bridge at an owner's site, paired by a one-time code; only its secret's hash is kept."""

    __tablename__ = "live_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    paired_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LivePairingCode(Base):
    """A code shown once on /my that pairs one bridge: works once, for 15 minutes."""

    __tablename__ = "live_pairing_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"), index=True)
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]
    device_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_device.id", ondelete="SET NULL"), index=True
    )


class LiveCamera(Base):
    """A camera a bridge can stream, tied to the registered camera row it belongs to.

    Never an RTSP address, user name or password: those stay on the owner's network.
    """

    __tablename__ = "live_camera"
    __table_args__ = (
        UniqueConstraint("device_id", "camera_id"),
        one_of("live_camera", "status", v.LIVE_CAMERA_STATUSES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(
        ForeignKey("live_device.id", ondelete="CASCADE"), index=True
    )
    camera_id: Mapped[int] = mapped_column(ForeignKey("camera.id", ondelete="CASCADE"), index=True)
    # The owner's name for it, as the bridge reports it.
    name: Mapped[str] = mapped_column(String(80))
    codec: Mapped[str | None] = mapped_column(String(40))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    checked_at: Mapped[datetime | None]


class LiveShare(Base):
    """One camera's live view shared for one request, for a bounded time.

    Active iff ended_at IS NULL and starts_at <= now < ends_at.
    """

    __tablename__ = "live_share"
    __table_args__ = (
        UniqueConstraint("request_id", "live_camera_id"),
        one_of("live_share", "basis", v.LIVE_SHARE_BASES),
        one_of("live_share", "ended_by", v.LIVE_SHARE_ENDINGS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("access_request.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("access_recipient.id", ondelete="SET NULL"), index=True
    )
    # NULL after withdrawal: the record of the share stays, without the person.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("owner.id", ondelete="SET NULL"), index=True
    )
    live_camera_id: Mapped[int | None] = mapped_column(
        ForeignKey("live_camera.id", ondelete="SET NULL"), index=True
    )
    basis: Mapped[str] = mapped_column(String(10))
    starts_at: Mapped[datetime]
    # The planned end: at most CAMSHARE_LIVE_MAX_HOURS after the start.
    ends_at: Mapped[datetime] = mapped_column(index=True)
    # Indexed with ends_at: the worker looks for running shares past their end.
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    # 16, not 12: "request_closed" is 14 characters.
    ended_by: Mapped[str | None] = mapped_column(String(16))
    ended_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # The bridge's credential for pushing this share's segments (derived, never stored plain).
    push_secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    last_segment_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LiveViewing(Base):
    """One staff member watching one share; minutes come from services/live/viewing.py only."""

    __tablename__ = "live_viewing"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(
        ForeignKey("live_share.id", ondelete="CASCADE"), index=True
    )
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    started_at: Mapped[datetime]
    # Advanced by the viewer's segment fetches.
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class LiveStandingConsent(Base):
    """An owner's standing yes to live view for emergencies near them; emergencies only.

    At most one not withdrawn per owner.
    """

    __tablename__ = "live_standing_consent"
    __table_args__ = (
        Index(
            "uq_live_standing_consent_owner",
            "owner_id",
            unique=True,
            sqlite_where=text("withdrawn_at IS NULL"),
            postgresql_where=text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"), index=True)
    radius_m: Mapped[int] = mapped_column(Integer)
    max_minutes: Mapped[int] = mapped_column(Integer, default=60)
    given_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]

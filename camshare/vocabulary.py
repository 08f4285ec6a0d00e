"""Every closed set of values a column may hold, defined once.

The use cases check input against these, and the models turn each into a CHECK constraint
(``camshare.models``), so the database refuses what the code would never write. This module
imports nothing from camshare: both the models and the services can read it.

Changing a set here changes the models, so it needs a migration: the test comparing the
migrated database with the models fails until one is written.

Columns left open on purpose: outbox purposes, audit actions and inbound outcomes grow with
features; incident types come from settings; provider statuses and geocoder names are other
systems' vocabulary.
"""

from __future__ import annotations

LANGUAGES = ("en", "es")

# Whether police may ask an owner; worked out by services/owners/standing.py alone.
OWNER_STATUSES = ("active", "paused", "reconsent", "unconfirmed")
OWNER_KINDS = ("resident", "business")
OWNER_LINK_PURPOSES = ("manage", "reconsent", "reconfirm")

SITE_STATUSES = ("active",)
# How a site's point was found: the geocoder, a ZIP code's centre, the map's centre, the
# phone's location, or a pin the resident (at sign-up) or the owner (later) moved.
LOCATION_SOURCES = (
    "geocoder",
    "zip_centroid",
    "map_center",
    "device",
    "resident_pin",
    "owner_pin",
)
GEOCODE_STATUSES = ("ok", "no_match", "unavailable", "device")

CAMERA_KINDS = ("doorbell", "exterior", "interior_facing_out", "ptz", "other")
CAMERA_FACES = ("street", "sidewalk", "alley", "parking_lot", "entrance", "other")
# "" is the form's "no direction"; it is stored as NULL.
DIRECTIONS = ("", "N", "NE", "E", "SE", "S", "SW", "W", "NW")
RECORDING_MODES = ("continuous", "motion")

DRAFT_STEPS = ("contact", "location", "pin", "cameras", "agreement", "verify", "done")
# "signup" (a draft's phone) or "signin" (an owner signing in to their pages).
VERIFICATION_PURPOSES = ("signup", "signin")

CAMPAIGN_KINDS = ("community_event", "door_to_door", "business_association", "online", "other")
FLYER_LANGUAGES = ("en", "es", "both")

# The outbox's own states (the provider's are kept apart, in ``provider_status``).
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed", "expired", "suppressed")

STAFF_ROLES = ("admin", "supervisor", "police", "outreach")

# awaiting_approval -> open -> closed; awaiting_approval -> rejected or withdrawn.
REQUEST_STATUSES = ("awaiting_approval", "open", "closed", "rejected", "withdrawn")
CLOSE_REASONS = ("closed", "expired", "rejected")
ANSWERS = ("approved", "declined")
ANSWER_CHANNELS = ("link", "sms")

# A file an owner sent for a request (issue 11). receiving: the tus upload is under way
# (never shown to police); received: complete, hashed, identified, probed; refused: complete
# but refused (bytes deleted at once, the row kept with its reason); accepted / declined:
# police triage; deleted: the bytes are gone, the row stays for the record.
FOOTAGE_STATUSES = ("receiving", "received", "refused", "accepted", "declined", "deleted")
# recorder: a recorder's own format kept as it is ("needs the recorder's player").
FOOTAGE_KINDS = ("video", "image", "recorder")
FOOTAGE_GRANTS = ("view", "download")
# Work on a received file that the worker does later, durably (services/footage/jobs.py):
# preview: the browser-playable copy; receipt: the owner's receipt SMS, several files in one.
FOOTAGE_JOB_KINDS = ("preview", "receipt")
# queued -> running (leased to one worker) -> done, or back to queued to retry; failed: gave up.
FOOTAGE_JOB_STATUSES = ("queued", "running", "done", "failed")

# Live view (issue 14). What the bridge found when it probed a camera on the owner's network.
LIVE_CAMERA_STATUSES = ("ready", "unreachable", "auth_failed", "unsupported")
# asked: the owner allowed it on the request's page; standing: their standing consent for
# emergencies near them applied by itself.
LIVE_SHARE_BASES = ("asked", "standing")
# Who or what ended a share before (or when) its planned end came.
LIVE_SHARE_ENDINGS = ("owner", "supervisor", "expiry", "withdrawal", "request_closed")

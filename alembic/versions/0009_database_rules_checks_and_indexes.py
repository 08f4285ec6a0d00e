"""database rules: CHECK constraints on enumerated columns, indexes where rules query

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:00:00

Every column holding one of a closed set of values (camshare/vocabulary.py) gets a CHECK
constraint named ``ck_<table>_<column>``; the sets are copied here as they were when this
migration was written, so that a later change to the code needs (and gets) its own migration.

Rows already holding a value outside a set stop the upgrade before anything changes, with
a message naming each table, column, value and row count. Nothing is normalised: an unknown
owner status or request state cannot be mapped to a known one without a person deciding
(guessing "active" could let police reach someone who never agreed), so an administrator
corrects those rows and runs the migration again.

On SQLite the tables are rebuilt (batch mode, foreign keys off: see alembic/env.py); the
rebuilt ``site`` loses the R*Tree triggers of migration 0005, which are created again.
"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op
from alembic.util import CommandError

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LANGUAGES = ("en", "es")

ALLOWED: dict[str, dict[str, tuple[str, ...]]] = {
    "campaign": {
        "kind": ("community_event", "door_to_door", "business_association", "online", "other"),
        "flyer_language": ("en", "es", "both"),
    },
    "campaign_visit": {"language": LANGUAGES},
    "agreement_version": {"language": LANGUAGES},
    "owner": {
        "status": ("active", "paused", "reconsent", "unconfirmed"),
        "owner_kind": ("resident", "business"),
        "language": LANGUAGES,
    },
    "owner_link": {"purpose": ("manage", "reconsent", "reconfirm")},
    "site": {
        "status": ("active",),
        "location_source": (
            "geocoder",
            "zip_centroid",
            "map_center",
            "device",
            "resident_pin",
            "owner_pin",
        ),
        "geocode_status": ("ok", "no_match", "unavailable", "device"),
    },
    "camera": {
        "camera_kind": ("doorbell", "exterior", "interior_facing_out", "ptz", "other"),
        "faces": ("street", "sidewalk", "alley", "parking_lot", "entrance", "other"),
        "direction": ("", "N", "NE", "E", "SE", "S", "SW", "W", "NW"),
        "recording": ("continuous", "motion"),
    },
    "consent": {"language": LANGUAGES},
    "registration_draft": {
        "step": ("contact", "location", "pin", "cameras", "agreement", "verify", "done"),
        "language": LANGUAGES,
    },
    "phone_verification": {"purpose": ("signup", "signin")},
    "outbox_message": {
        "status": ("queued", "sending", "sent", "failed", "expired", "suppressed"),
        "language": LANGUAGES,
    },
    "staff_user": {"role": ("admin", "supervisor", "police", "outreach")},
    "access_request": {
        "status": ("awaiting_approval", "open", "closed", "rejected", "withdrawn"),
        "close_reason": ("closed", "expired", "rejected"),
    },
    "access_recipient": {"answer": ("approved", "declined"), "answered_via": ("link", "sms")},
}

# (table, column): what withdrawal, "my data" and retention look rows up by, and the
# foreign keys that erasing an owner or purging messages sets to NULL.
INDEXES = (
    ("audit_event", "actor"),
    ("audit_event", "subject"),
    ("registration_draft", "owner_id"),
    ("campaign_visit", "owner_id"),
    ("outbox_message", "owner_id"),
    ("access_recipient", "outbox_message_id"),
    ("inbound_sms", "received_at"),
    # retention: each purge of used or ended tokens, and of old geocoder answers
    ("owner_link", "used_at"),
    ("owner_session", "revoked_at"),
    ("staff_session", "expires_at"),
    ("staff_session", "revoked_at"),
    ("geocode_cache", "created_at"),
)


def _condition(column: str, values: tuple[str, ...]) -> str:
    allowed = ", ".join("'" + value.replace("'", "''") + "'" for value in values)
    return f"{column} IN ({allowed})"


def _values_outside_the_sets(bind) -> list[str]:
    problems = []
    for table, columns in ALLOWED.items():
        for column, values in columns.items():
            rows = bind.execute(
                sa.text(
                    f"SELECT {column}, COUNT(*) FROM {table} "
                    f"WHERE {column} IS NOT NULL AND NOT ({_condition(column, values)}) "
                    f"GROUP BY {column} ORDER BY {column}"
                )
            ).all()
            problems += [
                f"  {table}.{column} = {value!r}: {count} row(s); allowed: {', '.join(values)}"
                for value, count in rows
            ]
    return problems


def _site_triggers() -> tuple[str, ...]:
    """Migration 0005's R*Tree triggers, read from that file (one definition)."""
    path = Path(__file__).with_name("0005_spatial_index_for_radius_search.py")
    spec = importlib.util.spec_from_file_location("camshare_migration_0005", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module._SQLITE_TRIGGERS


def _restore_site_triggers() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in ("site_rtree_delete", "site_rtree_update", "site_rtree_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for trigger in _site_triggers():
        op.execute(trigger)


def upgrade() -> None:
    problems = _values_outside_the_sets(op.get_bind())
    if problems:
        raise CommandError(
            "Migration 0009 adds CHECK constraints, but some rows hold values outside the "
            "allowed sets. Nothing was changed. Correct these rows, then migrate again:\n"
            + "\n".join(problems)
        )
    indexed: dict[str, list[str]] = {}
    for table, column in INDEXES:
        indexed.setdefault(table, []).append(column)
    for table in sorted(set(ALLOWED) | set(indexed)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, values in ALLOWED.get(table, {}).items():
                batch_op.create_check_constraint(f"ck_{table}_{column}", _condition(column, values))
            for column in indexed.get(table, []):
                batch_op.create_index(f"ix_{table}_{column}", [column], unique=False)
    _restore_site_triggers()


def downgrade() -> None:
    indexed: dict[str, list[str]] = {}
    for table, column in INDEXES:
        indexed.setdefault(table, []).append(column)
    for table in sorted(set(ALLOWED) | set(indexed)):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in indexed.get(table, []):
                batch_op.drop_index(f"ix_{table}_{column}")
            for column in ALLOWED.get(table, {}):
                batch_op.drop_constraint(f"ck_{table}_{column}", type_="check")
    _restore_site_triggers()

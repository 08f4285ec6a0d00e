"""The database's own rules: enumerated columns refuse other values, rules' lookups use indexes.

Each runs on SQLite and, when configured, PostgreSQL; the migration (0009) is taken down and
up again on both, including with a row it cannot accept.
"""

from __future__ import annotations

import re

import pytest
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import CheckConstraint, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from alembic import command
from camshare.migrations import alembic_config
from camshare.models import Base, FootageFile, FootageGrant, FootageJob, LiveShare, Owner
from camshare.services.access.nearby import find_sites_near
from camshare.services.outreach.campaigns import create_campaign
from camshare.services.owners.links import new_owner_link
from tests.integration.conftest import PUBLIC_BASE
from tests.support.access_builders import INCIDENT, registered_owner, sent_request, staff
from tests.support.live_builders import paired_bridge
from tests.unit.builders import clock, walk_to

QUOTED = re.compile(r"'((?:[^']|'')*)'")


def model_checks() -> dict[tuple[str, str], set[str]]:
    """(table, constraint name) -> the values the models allow."""
    return {
        (table.name, c.name): {v.replace("''", "'") for v in QUOTED.findall(str(c.sqltext))}
        for table in Base.metadata.sorted_tables
        for c in table.constraints
        if isinstance(c, CheckConstraint)
    }


# Every enumerated column: the test fails if a model loses its rule (or gains one unlisted).
RULED = {
    "campaign": ("kind", "flyer_language"),
    "campaign_visit": ("language",),
    "agreement_version": ("language",),
    "owner": ("status", "owner_kind", "language"),
    "owner_link": ("purpose",),
    "site": ("status", "location_source", "geocode_status"),
    "camera": ("camera_kind", "faces", "direction", "recording"),
    "consent": ("language",),
    "registration_draft": ("step", "language"),
    "phone_verification": ("purpose",),
    "outbox_message": ("status", "language"),
    "staff_user": ("role", "language"),
    "access_request": ("status", "close_reason"),
    "access_recipient": ("answer", "answered_via"),
    "footage_file": ("status", "kind"),
    "footage_grant": ("level",),
    "footage_job": ("kind", "status"),
    "live_camera": ("status",),
    "live_share": ("basis", "ended_by"),
}
CHECKS = sorted((table, f"ck_{table}_{column}") for table, cols in RULED.items() for column in cols)


def test_every_enumerated_column_has_a_rule_in_the_models():
    assert sorted(model_checks()) == CHECKS


def column_of(constraint: str, table: str) -> str:
    return constraint.removeprefix(f"ck_{table}_")


def one_of_everything(session, settings) -> None:
    """At least one row in every table that has an enumerated column."""
    create_campaign(session, PUBLIC_BASE, "Fair Park", code="PARK29")
    # A sign-up from the campaign's flyer, its phone being verified: draft, visit, code.
    walk_to(session, settings, "verified", campaign_code="PARK29")
    owner = registered_owner(session, INCIDENT)
    new_owner_link(session, owner, "manage", 72, clock())
    police, supervisor = staff(session, "police"), staff(session, "supervisor")
    request_id = sent_request(session, settings, police, supervisor, clock())
    file = FootageFile(
        request_id=request_id,
        upload_id="u1",
        original_name="clip.mp4",
        size_bytes=1,
        status="received",
        kind="video",
    )
    session.add(file)
    session.flush()
    session.add(FootageJob(kind="preview", file_id=file.id))
    session.add(
        FootageGrant(
            request_id=request_id,
            staff_user_id=police.user_id,
            level="view",
            granted_by_id=supervisor.user_id,
        )
    )
    live_camera_id = paired_bridge(session, owner, clock())[0]
    session.add(
        LiveShare(
            request_id=request_id,
            owner_id=owner.id,
            live_camera_id=live_camera_id,
            basis="asked",
            starts_at=clock(),
            ends_at=clock(),
            ended_at=clock(),
            ended_by="owner",
            push_secret_sha256="1" * 64,
        )
    )
    session.flush()


def test_every_table_with_a_rule_has_one(session, settings):
    one_of_everything(session, settings)
    empty = sorted(
        table
        for table, _ in CHECKS
        if not session.scalar(select(func.count()).select_from(Base.metadata.tables[table]))
    )
    assert empty == []


@pytest.mark.parametrize(("table", "constraint"), CHECKS)
def test_an_enumerated_column_holds_only_its_values(session, settings, table, constraint):
    one_of_everything(session, settings)
    column = column_of(constraint, table)
    rows = Base.metadata.tables[table]
    one_row = update(rows).where(rows.c.id == select(func.min(rows.c.id)).scalar_subquery())
    for value in sorted(model_checks()[table, constraint]):
        nested = session.begin_nested()
        refused = ""
        try:
            session.execute(one_row.values({column: value}))
        except IntegrityError as other:  # a unique key (one agreement text per language)
            refused = str(other)
        nested.rollback()
        assert constraint not in refused
    nested = session.begin_nested()
    with pytest.raises(IntegrityError, match=constraint):
        session.execute(one_row.values({column: "zz"}))
    nested.rollback()


def test_the_migrated_database_has_exactly_the_models_checks(engine):
    """Alembic's model comparison ignores CHECK constraints: this one does not."""
    inspector = inspect(engine)
    found = {
        (table, c["name"]): {v.replace("''", "'") for v in QUOTED.findall(c["sqltext"])}
        for table in inspector.get_table_names()
        for c in inspector.get_check_constraints(table)
        if c["name"] and c["name"].startswith("ck_")
    }
    assert found == model_checks()


# --- the migration -------------------------------------------------------------------------

BAD_OWNER = text(
    "INSERT INTO owner (phone_e164, full_name, owner_kind, language, status, created_at, "
    "updated_at) VALUES ('+12145550199', 'A', 'resident', 'en', 'archived', CURRENT_TIMESTAMP, "
    "CURRENT_TIMESTAMP)"
)


def version_of(factory) -> str:
    with factory() as session:
        return session.execute(text("SELECT version_num FROM alembic_version")).scalar()


def test_a_row_outside_a_set_stops_the_upgrade_and_says_which(database_url, factory):
    config = alembic_config(database_url)
    command.downgrade(config, "0008")
    try:
        with factory() as session, session.begin():
            session.execute(BAD_OWNER)  # no rule before 0009
        with pytest.raises(CommandError) as refused:
            command.upgrade(config, "head")
        message = str(refused.value)
        assert "owner.status = 'archived': 1 row(s)" in message
        assert "Nothing was changed" in message
        assert version_of(factory) == "0008"
        with factory() as session, session.begin():
            assert session.scalar(select(Owner.status)) == "archived"
            # The administrator decides what the row means, then migrates again.
            session.execute(text("UPDATE owner SET status = 'paused'"))
    finally:
        command.upgrade(config, "head")
    assert version_of(factory) == ScriptDirectory.from_config(config).get_current_head()
    with factory() as session, session.begin():
        assert session.scalar(select(Owner.status)) == "paused"
    with factory() as session, pytest.raises(IntegrityError, match="ck_owner_status"):
        session.execute(text(BAD_OWNER.text.replace("+12145550199", "+12145550198")))


def test_down_and_up_again_the_rules_go_and_come_back(database_url, factory):
    config = alembic_config(database_url)
    command.downgrade(config, "0008")
    try:
        with factory() as session, session.begin():
            session.execute(BAD_OWNER)
            session.execute(text("DELETE FROM owner"))
    finally:
        command.upgrade(config, "head")
    with factory() as session, pytest.raises(IntegrityError, match="ck_owner_status"):
        session.execute(BAD_OWNER)


def test_sites_added_after_the_rebuild_are_found_by_the_radius_search(database_url, factory):
    """SQLite rebuilds ``site``; the R*Tree's triggers must come back with it."""
    config = alembic_config(database_url)
    command.downgrade(config, "0008")
    command.upgrade(config, "head")
    with factory() as session, session.begin():
        before = registered_owner(session, INCIDENT)
    command.downgrade(config, "0008")
    command.upgrade(config, "head")
    with factory() as session, session.begin():
        after = registered_owner(session, INCIDENT)
        owners = {s.owner_id for s in find_sites_near(session, *INCIDENT, 50)}
    assert owners == {before.id, after.id}


# --- indexes where rules look rows up ----------------------------------------------------

LOOKUPS = {
    # withdrawal: the owner is replaced by a reference in the audit log
    "ix_audit_event_actor": "UPDATE audit_event SET actor = 'x' WHERE actor = 'owner:1'",
    "ix_audit_event_subject": "UPDATE audit_event SET subject = 'x' WHERE subject = 'owner:1'",
    # withdrawal: the owner's drafts go
    "ix_registration_draft_owner_id": "DELETE FROM registration_draft WHERE owner_id = 1",
    # erasing an owner sets these to NULL (ON DELETE SET NULL looks them up the same way)
    "ix_outbox_message_owner_id": "UPDATE outbox_message SET owner_id = NULL WHERE owner_id = 1",
    "ix_campaign_visit_owner_id": "UPDATE campaign_visit SET owner_id = NULL WHERE owner_id = 1",
    # retention: purged messages are unlinked from recipients; old inbound texts go
    "ix_access_recipient_outbox_message_id": (
        "UPDATE access_recipient SET outbox_message_id = NULL WHERE outbox_message_id = 1"
    ),
    "ix_inbound_sms_received_at": "DELETE FROM inbound_sms WHERE received_at < '2026-01-01'",
    # retention: tokens used or ended before the cut-off (each side of the OR by an index)
    "ix_owner_link_used_at": (
        "DELETE FROM owner_link WHERE expires_at < '2026-01-01' OR used_at < '2026-01-01'"
    ),
    "ix_owner_session_revoked_at": (
        "DELETE FROM owner_session WHERE expires_at < '2026-01-01' OR revoked_at < '2026-01-01'"
    ),
    "ix_staff_session_expires_at": (
        "DELETE FROM staff_session WHERE expires_at < '2026-01-01' OR revoked_at < '2026-01-01'"
    ),
    "ix_staff_session_revoked_at": (
        "DELETE FROM staff_session WHERE expires_at < '2026-01-01' OR revoked_at < '2026-01-01'"
    ),
    # geocoder answers (typed addresses) are forgotten after 30 days
    "ix_geocode_cache_created_at": "DELETE FROM geocode_cache WHERE created_at < '2026-01-01'",
}


@pytest.mark.parametrize("index", sorted(LOOKUPS))
def test_rules_look_rows_up_by_an_index(session, index):
    if session.bind.dialect.name == "postgresql":
        # Tables this small would be scanned anyway; forbid that to see what the plan can use.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = session.execute(text(f"EXPLAIN {LOOKUPS[index]}")).scalars().all()
    else:
        plan = [row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {LOOKUPS[index]}"))]
    assert any(index in line for line in plan), plan

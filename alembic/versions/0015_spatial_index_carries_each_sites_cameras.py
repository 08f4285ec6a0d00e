"""the spatial index carries each site's cameras: the radius search reads the index alone

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 20:05:00

At the 400 m maximum a search finds some 500 sites in the densest neighbourhoods; after 0012
each still cost a probe of ``ix_camera_site_summary`` and one or two joined rows (9.8 ms p95
on SQLite, 12.3 ms on PostgreSQL, against a 5 ms target). The cameras' summary, what the
search shows of them, is now kept on the site, ``site.camera_summary``: a JSON array of
``[camera_kind, count, faces, direction]`` in camera order, NULL without cameras. Its one
writer is the database: triggers on ``camera`` write it after every insert, change and
delete, whichever code path made them. The spatial indexes carry it:

- SQLite: ``site_rtree`` gets it as one more auxiliary column, and its site triggers follow
  it as they follow ``may_be_asked``.
- PostgreSQL: ``ix_site_point`` (partial, ``WHERE may_be_asked``) INCLUDEs it, so the search
  is one index-only scan.

A later migration that rebuilds ``site`` on SQLite (batch mode) drops the triggers with the
old table; it must create them again (``SQLITE_SITE_TRIGGERS`` and ``SQLITE_CAMERA_TRIGGERS``).
"""

import sqlalchemy as sa

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_CAMERA_FIELDS = "camera_kind, count, faces, direction"


def _sqlite_summary(site_id: str) -> str:
    # SQLite 3.40 has no ORDER BY inside an aggregate; an ordered subquery is not flattened
    # into an aggregate query, so the array follows camera order.
    return (
        f"(SELECT NULLIF(json_group_array(json_array({_CAMERA_FIELDS})), '[]') "
        f"FROM (SELECT {_CAMERA_FIELDS} FROM camera WHERE site_id = {site_id} ORDER BY id))"
    )


_RTREE_COLUMNS = "id, min_lat, max_lat, min_lon, max_lon, owner_id, lat, lon, zip_code, cameras"
_RTREE_VALUES = (
    "{0}.id, {0}.lat, {0}.lat, {0}.lon, {0}.lon, "
    "{0}.owner_id, {0}.lat, {0}.lon, {0}.zip_code, {0}.camera_summary"
)


def _site_triggers(columns: str, values: str, watched: str) -> tuple[str, ...]:
    """The site triggers that keep ``site_rtree`` (holding ``columns``) following the site."""
    return (
        f"""
        CREATE TRIGGER site_rtree_insert AFTER INSERT ON site WHEN new.may_be_asked
        BEGIN
            INSERT INTO site_rtree ({columns}) VALUES ({values.format("new")});
        END
        """,
        # Only the columns the tree holds: other updates (address text, timestamps) leave it.
        f"""
        CREATE TRIGGER site_rtree_update AFTER UPDATE OF {watched} ON site
        BEGIN
            DELETE FROM site_rtree WHERE id = old.id;
            INSERT INTO site_rtree ({columns})
            SELECT {values.format("new")} WHERE new.may_be_asked;
        END
        """,
        """
        CREATE TRIGGER site_rtree_delete AFTER DELETE ON site
        BEGIN
            DELETE FROM site_rtree WHERE id = old.id;
        END
        """,
    )


_WATCHED = "id, owner_id, lat, lon, zip_code, may_be_asked"
SQLITE_SITE_TRIGGERS = _site_triggers(_RTREE_COLUMNS, _RTREE_VALUES, _WATCHED + ", camera_summary")

SQLITE_CAMERA_TRIGGERS = (
    f"""
    CREATE TRIGGER camera_summary_insert AFTER INSERT ON camera
    BEGIN
        UPDATE site SET camera_summary = {_sqlite_summary("new.site_id")} WHERE id = new.site_id;
    END
    """,
    f"""
    CREATE TRIGGER camera_summary_update
    AFTER UPDATE OF id, site_id, {_CAMERA_FIELDS} ON camera
    BEGIN
        UPDATE site SET camera_summary = {_sqlite_summary("old.site_id")} WHERE id = old.site_id;
        UPDATE site SET camera_summary = {_sqlite_summary("new.site_id")}
        WHERE id = new.site_id AND new.site_id IS NOT old.site_id;
    END
    """,
    f"""
    CREATE TRIGGER camera_summary_delete AFTER DELETE ON camera
    BEGIN
        UPDATE site SET camera_summary = {_sqlite_summary("old.site_id")} WHERE id = old.site_id;
    END
    """,
)

_POSTGRES_SUMMARY = (
    f"(SELECT json_agg(json_build_array({_CAMERA_FIELDS}) ORDER BY id)::text "
    "FROM camera WHERE site_id = {0})"
)

_POSTGRES_FUNCTION = f"""
    CREATE FUNCTION site_camera_summary_follows_cameras() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            UPDATE site SET camera_summary = {_POSTGRES_SUMMARY.format("OLD.site_id")}
            WHERE id = OLD.site_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.site_id IS DISTINCT FROM OLD.site_id)
        THEN
            UPDATE site SET camera_summary = {_POSTGRES_SUMMARY.format("NEW.site_id")}
            WHERE id = NEW.site_id;
        END IF;
        RETURN NULL;
    END
    $$
"""

_POSTGRES_TRIGGER = f"""
    CREATE TRIGGER camera_summary_follows
    AFTER INSERT OR DELETE OR UPDATE OF id, site_id, {_CAMERA_FIELDS} ON camera
    FOR EACH ROW EXECUTE FUNCTION site_camera_summary_follows_cameras()
"""

# Migration 0012's tree and triggers, for the downgrade.
_OLD_RTREE_COLUMNS = "id, min_lat, max_lat, min_lon, max_lon, owner_id, lat, lon, zip_code"
_OLD_RTREE_VALUES = (
    "{0}.id, {0}.lat, {0}.lat, {0}.lon, {0}.lon, {0}.owner_id, {0}.lat, {0}.lon, {0}.zip_code"
)
_OLD_SQLITE_TRIGGERS = _site_triggers(_OLD_RTREE_COLUMNS, _OLD_RTREE_VALUES, _WATCHED)


def _drop_sqlite_tree() -> None:
    for name in ("site_rtree_delete", "site_rtree_update", "site_rtree_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS site_rtree")


def _create_sqlite_tree(columns: str, auxiliary: str, triggers) -> None:
    op.execute(
        f"CREATE VIRTUAL TABLE site_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon, "
        f"{auxiliary})"
    )
    values = (_RTREE_VALUES if "cameras" in columns else _OLD_RTREE_VALUES).format("site")
    op.execute(
        f"INSERT INTO site_rtree ({columns}) SELECT {values} FROM site "
        "WHERE may_be_asked ORDER BY id"
    )
    for trigger in triggers:
        op.execute(trigger)


def _create_postgres_index(bind, included: str) -> None:
    """The partial GiST index of the sites that may be asked, covering ``included``."""
    include = f" INCLUDE ({included})" if bind.dialect.server_version_info >= (12,) else ""
    op.execute(
        f"CREATE INDEX ix_site_point ON site USING gist (point(lon, lat)){include} "
        "WHERE may_be_asked"
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Rebuilt below; dropped first, so that filling the column does not also rewrite
        # this index entry by entry.
        op.execute("DROP INDEX IF EXISTS ix_site_point")
    elif bind.dialect.name == "sqlite":
        _drop_sqlite_tree()
    op.add_column("site", sa.Column("camera_summary", sa.Text(), nullable=True))
    if bind.dialect.name == "sqlite":
        op.execute(f"UPDATE site SET camera_summary = {_sqlite_summary('site.id')}")
        _create_sqlite_tree(
            _RTREE_COLUMNS,
            "+owner_id, +lat, +lon, +zip_code, +cameras",
            SQLITE_SITE_TRIGGERS + SQLITE_CAMERA_TRIGGERS,
        )
    elif bind.dialect.name == "postgresql":
        op.execute(
            "UPDATE site SET camera_summary = summary.cameras FROM ("
            f"SELECT site_id, json_agg(json_build_array({_CAMERA_FIELDS}) ORDER BY id)::text "
            "AS cameras FROM camera GROUP BY site_id) AS summary "
            "WHERE site.id = summary.site_id"
        )
        op.execute(_POSTGRES_FUNCTION)
        op.execute(_POSTGRES_TRIGGER)
        _create_postgres_index(bind, "id, owner_id, lat, lon, zip_code, camera_summary")
    else:
        # Other databases have no trigger here: the column would go stale.
        raise NotImplementedError(f"camera summary triggers for {bind.dialect.name}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("camera_summary_insert", "camera_summary_update", "camera_summary_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        _drop_sqlite_tree()
        op.execute("ALTER TABLE site DROP COLUMN camera_summary")
        _create_sqlite_tree(
            _OLD_RTREE_COLUMNS, "+owner_id, +lat, +lon, +zip_code", _OLD_SQLITE_TRIGGERS
        )
    elif bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS camera_summary_follows ON camera")
        op.execute("DROP FUNCTION IF EXISTS site_camera_summary_follows_cameras()")
        op.execute("DROP INDEX IF EXISTS ix_site_point")
        op.drop_column("site", "camera_summary")
        _create_postgres_index(bind, "id, owner_id, lat, lon, zip_code")

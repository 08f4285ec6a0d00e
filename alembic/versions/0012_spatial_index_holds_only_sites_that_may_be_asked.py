"""the spatial index holds only the sites police may ask

Revision ID: 0012
Revises: 0009
Create Date: 2026-12-02 14:30:00

Until now the radius search found every site in the circle, then checked each one's owner
and consents: at the 400 m maximum, hundreds of probes per search. Whether a site may be
asked is now kept on the site, ``site.may_be_asked`` (written only by
camshare/services/may_be_asked.py), and the spatial indexes hold only those sites, with
what the search shows of them:

- SQLite: ``site_rtree`` again, now with the site's owner, exact coordinates and ZIP code
  as auxiliary columns (SQLite 3.24 and later), and only the sites that may be asked; its
  triggers follow inserts, deletes and changes of those columns or of ``may_be_asked``.
- PostgreSQL: ``ix_site_point`` again, now partial (``WHERE may_be_asked``) and carrying
  the columns the search reads.

The column is computed here for the rows already there, with the rule of
camshare/services/may_be_asked.py as it was when this was written (copied, like 0009's
sets, so a later change of the rule needs, and gets, its own migration).

A later migration that rebuilds ``site`` on SQLite (batch mode) drops the triggers with the
old table; it must create them again (``SQLITE_TRIGGERS`` here).
"""

import sqlalchemy as sa

from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None

_RULE = """
    site.status = 'active'
    AND EXISTS (
        SELECT 1 FROM owner
        WHERE owner.id = site.owner_id AND owner.status = 'active'
          AND owner.phone_verified_at IS NOT NULL AND owner.sms_opted_out_at IS NULL
    )
    AND EXISTS (
        SELECT 1 FROM consent
        WHERE consent.owner_id = site.owner_id AND consent.withdrawn_at IS NULL
    )
"""

_RTREE_COLUMNS = "id, min_lat, max_lat, min_lon, max_lon, owner_id, lat, lon, zip_code"

SQLITE_TRIGGERS = (
    f"""
    CREATE TRIGGER site_rtree_insert AFTER INSERT ON site WHEN new.may_be_asked
    BEGIN
        INSERT INTO site_rtree ({_RTREE_COLUMNS})
        VALUES (new.id, new.lat, new.lat, new.lon, new.lon,
                new.owner_id, new.lat, new.lon, new.zip_code);
    END
    """,
    # Only the columns the tree holds: other updates (address text, timestamps) leave it be.
    f"""
    CREATE TRIGGER site_rtree_update
    AFTER UPDATE OF id, owner_id, lat, lon, zip_code, may_be_asked ON site
    BEGIN
        DELETE FROM site_rtree WHERE id = old.id;
        INSERT INTO site_rtree ({_RTREE_COLUMNS})
        SELECT new.id, new.lat, new.lat, new.lon, new.lon,
               new.owner_id, new.lat, new.lon, new.zip_code
        WHERE new.may_be_asked;
    END
    """,
    """
    CREATE TRIGGER site_rtree_delete AFTER DELETE ON site
    BEGIN
        DELETE FROM site_rtree WHERE id = old.id;
    END
    """,
)

# Migration 0005's tree and triggers, for the downgrade.
_OLD_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER site_rtree_insert AFTER INSERT ON site
    BEGIN
        INSERT INTO site_rtree (id, min_lat, max_lat, min_lon, max_lon)
        VALUES (new.id, new.lat, new.lat, new.lon, new.lon);
    END
    """,
    """
    CREATE TRIGGER site_rtree_update AFTER UPDATE OF id, lat, lon ON site
    BEGIN
        DELETE FROM site_rtree WHERE id = old.id;
        INSERT INTO site_rtree (id, min_lat, max_lat, min_lon, max_lon)
        VALUES (new.id, new.lat, new.lat, new.lon, new.lon);
    END
    """,
    """
    CREATE TRIGGER site_rtree_delete AFTER DELETE ON site
    BEGIN
        DELETE FROM site_rtree WHERE id = old.id;
    END
    """,
)

# The columns find_sites_near reads from a candidate (camshare/services/access/nearby.py).
_SITE_POINT_INCLUDE = "id, owner_id, lat, lon, zip_code"


def _drop_sqlite_tree() -> None:
    for name in ("site_rtree_delete", "site_rtree_update", "site_rtree_insert"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS site_rtree")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        # Rebuilt below anyway; dropped first, so that computing the column for every row
        # does not also rewrite this index entry by entry.
        op.execute("DROP INDEX IF EXISTS ix_site_point")
    # Plain ALTER TABLE ADD COLUMN on both databases (no table rebuild on SQLite).
    op.add_column(
        "site",
        sa.Column("may_be_asked", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(f"UPDATE site SET may_be_asked = ({_RULE})")
    if bind.dialect.name == "sqlite":
        _drop_sqlite_tree()
        op.execute(
            "CREATE VIRTUAL TABLE site_rtree USING rtree("
            "id, min_lat, max_lat, min_lon, max_lon, +owner_id, +lat, +lon, +zip_code)"
        )
        op.execute(
            f"INSERT INTO site_rtree ({_RTREE_COLUMNS}) "
            "SELECT id, lat, lat, lon, lon, owner_id, lat, lon, zip_code FROM site "
            "WHERE may_be_asked ORDER BY id"
        )
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
    elif bind.dialect.name == "postgresql":
        include = (
            f" INCLUDE ({_SITE_POINT_INCLUDE})" if bind.dialect.server_version_info >= (12,) else ""
        )
        op.execute(
            f"CREATE INDEX ix_site_point ON site USING gist (point(lon, lat)){include} "
            "WHERE may_be_asked"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _drop_sqlite_tree()
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_site_point")
    # On SQLite this rebuilds the table: the old tree's triggers come after it.
    with op.batch_alter_table("site") as batch_op:
        batch_op.drop_column("may_be_asked")
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE site_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)"
        )
        op.execute(
            "INSERT INTO site_rtree (id, min_lat, max_lat, min_lon, max_lon) "
            "SELECT id, lat, lat, lon, lon FROM site"
        )
        for trigger in _OLD_SQLITE_TRIGGERS:
            op.execute(trigger)
    elif bind.dialect.name == "postgresql":
        include = (
            " INCLUDE (id, owner_id, lat, lon, zip_code, status)"
            if bind.dialect.server_version_info >= (12,)
            else ""
        )
        op.execute(f"CREATE INDEX ix_site_point ON site USING gist (point(lon, lat)){include}")

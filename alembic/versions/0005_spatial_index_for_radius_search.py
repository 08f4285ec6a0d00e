"""spatial index for the radius search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 08:00:00

Finding the sites near an incident must read an index, never every row:

- SQLite: an R*Tree virtual table, ``site_rtree``, one degenerate box (a point) per site,
  kept in step with ``site`` by triggers and filled here from the rows already there.
- PostgreSQL: a GiST index on the expression ``point(lon, lat)`` (built in, no PostGIS).
  Queries must use the very same expression for the planner to pick it.

Neither is in the models (SQLAlchemy describes neither a virtual table nor this index);
``camshare.migrations.include_name`` keeps them out of the model comparison.

A later migration that rebuilds ``site`` on SQLite (batch mode: copy, drop, rename) drops
these triggers with the old table; it must create them again (see ``_SQLITE_TRIGGERS``).
"""

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER site_rtree_insert AFTER INSERT ON site
    BEGIN
        INSERT INTO site_rtree (id, min_lat, max_lat, min_lon, max_lon)
        VALUES (new.id, new.lat, new.lat, new.lon, new.lon);
    END
    """,
    # OF id, lat, lon: other updates (status, timestamps) leave the tree alone.
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


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE site_rtree USING rtree(id, min_lat, max_lat, min_lon, max_lon)"
        )
        op.execute(
            "INSERT INTO site_rtree (id, min_lat, max_lat, min_lon, max_lon) "
            "SELECT id, lat, lat, lon, lon FROM site"
        )
        for trigger in _SQLITE_TRIGGERS:
            op.execute(trigger)
    elif dialect == "postgresql":
        op.execute("CREATE INDEX ix_site_point ON site USING gist (point(lon, lat))")
    # Other databases: the radius search falls back to the ix_site_lat_lon btree.


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("site_rtree_delete", "site_rtree_update", "site_rtree_insert"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        # Dropping the virtual table drops its shadow tables (_node, _rowid, _parent) too.
        op.execute("DROP TABLE IF EXISTS site_rtree")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_site_point")

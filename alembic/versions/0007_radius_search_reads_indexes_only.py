"""the radius search reads indexes, not rows

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 09:00:00

For every site the radius search finds it checks the owner's consents and reads the cameras;
on PostgreSQL it also reads the site's row after the spatial index. At a 400 m radius in a
dense neighbourhood that is hundreds of sites, each a few random pages. These indexes answer
each step from the index alone:

- ``ix_consent_standing``: the consents not withdrawn, by owner (a partial index). The
  ``withdrawn_at`` column, always NULL in it, makes it covering on SQLite too.
- ``ix_camera_site_summary``: a site's cameras with every column the search shows, in camera
  order.
- PostgreSQL: ``ix_site_point`` again, the same GiST index on ``point(lon, lat)``, now
  carrying the columns the search reads (INCLUDE, PostgreSQL 12 and later), so that the
  candidates come from an index-only scan. Updates of those columns (status, ZIP code,
  owner, position) are no longer HOT updates; sites change seldom. ``ix_site_point`` stays
  out of the models (``camshare.migrations.UNMODELLED_INDEXES``).
"""

import sqlalchemy as sa

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_STANDING = sa.text("withdrawn_at IS NULL")
_CAMERA_SUMMARY = ["site_id", "id", "camera_kind", "count", "faces", "direction"]
# The columns find_sites_near reads from a candidate site (camshare/services/access/nearby.py).
_SITE_POINT_INCLUDE = "id, owner_id, lat, lon, zip_code, status"


def upgrade() -> None:
    op.create_index(
        "ix_consent_standing",
        "consent",
        ["owner_id", "withdrawn_at"],
        sqlite_where=_STANDING,
        postgresql_where=_STANDING,
    )
    op.create_index("ix_camera_site_summary", "camera", _CAMERA_SUMMARY)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.dialect.server_version_info >= (12,):
        # GiST indexes take INCLUDE columns since PostgreSQL 12; before, it stays as it was.
        op.execute("DROP INDEX ix_site_point")
        op.execute(
            "CREATE INDEX ix_site_point ON site USING gist (point(lon, lat)) "
            f"INCLUDE ({_SITE_POINT_INCLUDE})"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.dialect.server_version_info >= (12,):
        op.execute("DROP INDEX ix_site_point")
        op.execute("CREATE INDEX ix_site_point ON site USING gist (point(lon, lat))")
    op.drop_index("ix_camera_site_summary", table_name="camera")
    op.drop_index("ix_consent_standing", table_name="consent")

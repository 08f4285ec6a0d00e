"""worker heartbeat: when a dispatcher was last alive, for /readyz

Revision ID: 0013
Revises: 0009
Create Date: 2026-12-02 14:30:00
"""

import sqlalchemy as sa

import camshare.models
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "worker_heartbeat",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("beat_at", camshare.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("worker", sa.String(length=128), nullable=False),
        sa.PrimaryKeyConstraint("role"),
    )


def downgrade() -> None:
    op.drop_table("worker_heartbeat")

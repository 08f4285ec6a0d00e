"""footage jobs: previews and receipt SMS made by the worker, durably (issue 11)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 19:50:00
"""

import sqlalchemy as sa

import camshare.models
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "footage_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", camshare.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", camshare.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", camshare.models.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('preview', 'receipt')", name="ck_footage_job_kind"),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')", name="ck_footage_job_status"
        ),
        sa.ForeignKeyConstraint(["file_id"], ["footage_file.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recipient_id"], ["access_recipient.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("footage_job", schema=None) as batch_op:
        batch_op.create_index("ix_footage_job_due", ["status", "run_after"], unique=False)
        batch_op.create_index(batch_op.f("ix_footage_job_file_id"), ["file_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_footage_job_recipient_id"), ["recipient_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("footage_job")

"""staff language: the texts a staff member gets (an emergency notice) in their language

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 19:40:00

Supervisors are texted when an emergency request skips approval; until now that text was
always English. The language a member last chose on the staff pages is kept on the account.
"""

import sqlalchemy as sa

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("language", sa.String(length=8), nullable=False, server_default="en")
        )
        batch_op.create_check_constraint("ck_staff_user_language", "language IN ('en', 'es')")


def downgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_constraint("ck_staff_user_language", type_="check")
        batch_op.drop_column("language")

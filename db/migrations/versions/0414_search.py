"""analysts' workspace: flash messages held server-side, passwords that must be changed

Revision ID: 0414
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0414"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("web_session") as batch:
        batch.add_column(sa.Column("flash", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("web_session") as batch:
        batch.drop_column("flash")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")

"""sources: formats, offices and members, registry notes and verification, stored health; rejected entries

Revision ID: 0410
Revises: 0413
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0410"
down_revision = "0413"  # re-chained at merge: 0003 -> 0415 -> 0414 -> 0413 -> 0410
branch_labels = None
depends_on = None


def source_columns() -> list[sa.Column]:
    return [
        sa.Column("format", sa.String(length=20), nullable=False, server_default="feed"),
        sa.Column("office", sa.String(length=20), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("verification", sa.String(length=20), nullable=True),
        sa.Column("verified_on", sa.Date(), nullable=True),
        sa.Column("evidence", sa.String(), nullable=True),
        sa.Column("stale_days", sa.Integer(), nullable=False, server_default="30"),
        sa.Column("members", sa.JSON(), nullable=True),
        sa.Column("entries_config", sa.JSON(), nullable=True),
        sa.Column("health", sa.String(length=20), nullable=True),
        sa.Column("health_error", sa.String(), nullable=True),
        sa.Column("health_since", sa.DateTime(), nullable=True),
        sa.Column("newest_entry_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("source") as batch:
        for column in source_columns():
            batch.add_column(column)
    with op.batch_alter_table("fetch_log") as batch:
        batch.add_column(sa.Column("rejected", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("fetch_log") as batch:
        batch.drop_column("rejected")
    with op.batch_alter_table("source") as batch:
        for column in reversed(source_columns()):
            batch.drop_column(column.name)

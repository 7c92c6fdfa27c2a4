"""workers: claims on due sources, heartbeats of schedulers and workers

Revision ID: 0416
Revises: 0410
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0416"
down_revision = "0410"  # re-chained at merge: 0003 -> 0415 -> 0414 -> 0413 -> 0410 -> 0416
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_claim",
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name="fk_source_claim_source_id_source", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("source_id", name="pk_source_claim"),
    )
    op.create_table(
        "heartbeat",
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("owner", name="pk_heartbeat"),
    )
    op.create_index("ix_heartbeat_kind", "heartbeat", ["kind"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_heartbeat_kind", table_name="heartbeat")
    op.drop_table("heartbeat")
    op.drop_table("source_claim")

"""learned models: versioned, with who trained them, on what, when, and their cross-validated figures

Revision ID: 0411
Revises: 0416
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0411"
down_revision = "0416"  # re-chained at merge: 0003 -> 0415 -> 0414 -> 0413 -> 0410 -> 0416 -> 0411
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "learned_model",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("catalogue_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("agent", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("trained_on", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learned_model")),
        sa.UniqueConstraint("catalogue_id", "version", name=op.f("uq_learned_model_catalogue_id_version")),
    )
    op.create_index(op.f("ix_learned_model_catalogue_id"), "learned_model", ["catalogue_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_learned_model_catalogue_id"), table_name="learned_model")
    op.drop_table("learned_model")

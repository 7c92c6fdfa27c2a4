"""llm: request and response texts (content-addressed), token source, stored probe results

Revision ID: 0412
Revises: 0411
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0412"
down_revision = "0411"  # re-chained at merge: 0003 -> 0415 -> 0414 -> 0413 -> 0410 -> 0416 -> 0411 -> 0412
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "llm_text",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("chars", sa.Integer(), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_llm_text")),
    )
    op.create_table(
        "llm_probe",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("base_url", sa.String(length=500), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("dialect", sa.String(length=20), nullable=True),
        sa.Column("usage_reported", sa.Boolean(), nullable=False),
        sa.Column("usage_plausible", sa.Boolean(), nullable=False),
        sa.Column("context_length", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("tokens_per_second", sa.Float(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_probe")),
    )
    op.create_index(op.f("ix_llm_probe_created_at"), "llm_probe", ["created_at"], unique=False)
    with op.batch_alter_table("llm_call") as batch:
        batch.add_column(sa.Column("request_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("response_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("token_source", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("server_tokens_in", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("server_tokens_out", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("llm_call") as batch:
        batch.drop_column("server_tokens_out")
        batch.drop_column("server_tokens_in")
        batch.drop_column("token_source")
        batch.drop_column("response_sha256")
        batch.drop_column("request_sha256")
    op.drop_index(op.f("ix_llm_probe_created_at"), table_name="llm_probe")
    op.drop_table("llm_probe")
    op.drop_table("llm_text")

"""catalogues: commitments edited in the web app, versioned and append-only (the audit)

Revision ID: 0415
Revises: 0003
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0415"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLE = "commitment_version"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("catalogue_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["catalogue_id"], ["catalogue.id"], name=op.f("fk_commitment_version_catalogue_id_catalogue")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_commitment_version_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_version")),
        sa.UniqueConstraint("catalogue_id", "number", "version", name=op.f("uq_commitment_version_catalogue_id_number_version")),
    )
    op.create_index(op.f("ix_commitment_version_catalogue_id"), TABLE, ["catalogue_id"], unique=False)
    # The audit of edits: rows are only added, as for decisions and score changes.
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {TABLE}_no_{verb.lower()} BEFORE {verb} ON {TABLE} BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END")
    else:
        op.execute(f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION triage_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_{verb}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}")
    op.drop_index(op.f("ix_commitment_version_catalogue_id"), table_name=TABLE)
    op.drop_table(TABLE)

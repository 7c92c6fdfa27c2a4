"""citations kept with each piece of evidence; a version on final scores for compare-and-swap

Revision ID: 0413
Revises: 0414
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0413"
down_revision = "0414"  # re-chained at merge: 0003 -> 0415 -> 0414 -> 0413
branch_labels = None
depends_on = None


def _append_only(table: str) -> None:
    # Corrections are new rows: the database refuses to rewrite a citation (as for decisions).
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    else:
        op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION triage_append_only()")


def upgrade() -> None:
    with op.batch_alter_table("score") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "evidence_citation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_key", sa.String(length=120), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=True),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("paragraph", sa.String(), nullable=True),
        sa.Column("action_date", sa.Date(), nullable=True),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("publisher", sa.String(), nullable=True),
        sa.Column("city", sa.String(), nullable=True),
        sa.Column("source_date", sa.Date(), nullable=True),
        sa.Column("date_precision", sa.String(length=10), nullable=False),
        sa.Column("accessed", sa.Date(), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("translated", sa.Boolean(), nullable=False),
        sa.Column("missing", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["suggestion_id"], ["suggestion.id"], name=op.f("fk_evidence_citation_suggestion_id_suggestion")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_evidence_citation_item_id_item")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_evidence_citation_member_id_member")),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"], name=op.f("fk_evidence_citation_commitment_id_commitment")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_evidence_citation_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_citation")),
    )
    for column in ("evidence_key", "suggestion_id", "item_id", "commitment_id"):
        op.create_index(op.f(f"ix_evidence_citation_{column}"), "evidence_citation", [column], unique=False)
    _append_only("evidence_citation")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS evidence_citation_no_{verb}")
    else:
        op.execute("DROP TRIGGER IF EXISTS evidence_citation_append_only ON evidence_citation")
    for column in reversed(("evidence_key", "suggestion_id", "item_id", "commitment_id")):
        op.drop_index(op.f(f"ix_evidence_citation_{column}"), table_name="evidence_citation")
    op.drop_table("evidence_citation")
    with op.batch_alter_table("score") as batch:
        batch.drop_column("version")

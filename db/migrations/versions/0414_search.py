"""analysts' workspace: full-text search over items, flash messages held server-side,
passwords that must be changed, saved views

Search is the database's own: SQLite FTS5 (an external-content table kept in step by
triggers) or PostgreSQL full-text search (a generated tsvector column with a GIN index).
Neither is in the models (they are the search module's, triage/review/search.py).

Revision ID: 0414
Revises: 0415
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0414"
down_revision = "0415"  # re-chained at merge: 0003 -> 0415 -> 0414
branch_labels = None
depends_on = None


SQLITE_UP = [
    "CREATE VIRTUAL TABLE item_fts USING fts5(title, publisher, text, gist_en, content='item', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER item_fts_insert AFTER INSERT ON item BEGIN "
    "INSERT INTO item_fts(rowid, title, publisher, text, gist_en) VALUES (new.id, new.title, new.publisher, new.text, new.gist_en); END",
    "CREATE TRIGGER item_fts_delete AFTER DELETE ON item BEGIN "
    "INSERT INTO item_fts(item_fts, rowid, title, publisher, text, gist_en) VALUES ('delete', old.id, old.title, old.publisher, old.text, old.gist_en); END",
    "CREATE TRIGGER item_fts_update AFTER UPDATE OF title, publisher, text, gist_en ON item BEGIN "
    "INSERT INTO item_fts(item_fts, rowid, title, publisher, text, gist_en) VALUES ('delete', old.id, old.title, old.publisher, old.text, old.gist_en); "
    "INSERT INTO item_fts(rowid, title, publisher, text, gist_en) VALUES (new.id, new.title, new.publisher, new.text, new.gist_en); END",
    "INSERT INTO item_fts(item_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS item_fts_update",
    "DROP TRIGGER IF EXISTS item_fts_delete",
    "DROP TRIGGER IF EXISTS item_fts_insert",
    "DROP TABLE IF EXISTS item_fts",
]
# 'simple': items come in every member's language, so no one language's stemming; the title weighs most.
POSTGRES_UP = [
    "ALTER TABLE item ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(publisher, '') || ' ' || coalesce(gist_en, '')), 'B') || "
    "setweight(to_tsvector('simple', coalesce(text, '')), 'C')) STORED",
    "CREATE INDEX ix_item_search ON item USING gin (search_tsv)",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_item_search", "ALTER TABLE item DROP COLUMN IF EXISTS search_tsv"]


def _search(statements_for: dict) -> None:
    for statement in statements_for.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("web_session") as batch:
        batch.add_column(sa.Column("flash", sa.JSON(), nullable=True))
    op.create_table(
        "saved_view",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("page", sa.String(length=20), nullable=False),
        sa.Column("query", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name"),
    )
    op.create_index("ix_saved_view_user_id", "saved_view", ["user_id"], unique=False)
    _search({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP})


def downgrade() -> None:
    _search({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN})
    op.drop_index("ix_saved_view_user_id", table_name="saved_view")
    op.drop_table("saved_view")
    with op.batch_alter_table("web_session") as batch:
        batch.drop_column("flash")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")

"""commitment quote source: the citation of the summit text, for report drafts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("commitment", sa.Column("quote_source", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35): a batch rebuild of a table that
    # other tables reference would trip the foreign keys.
    op.drop_column("commitment", "quote_source")

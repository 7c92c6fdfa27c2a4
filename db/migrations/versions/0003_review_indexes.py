"""review indexes: the queue's confidence order, evidence per pair, login attempts per client

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_suggestion_status_confidence", "suggestion", ["status", "confidence", "id"]),
    ("ix_decision_pair", "decision", ["commitment_id", "member_id"]),
    ("ix_login_attempt_client_at", "login_attempt", ["client", "at"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)

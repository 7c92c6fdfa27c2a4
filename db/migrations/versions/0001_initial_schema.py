"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Audit tables: rows are only ever added. The database refuses UPDATE and DELETE so
# that no code path, present or future, can rewrite history.
APPEND_ONLY = ("decision", "score_change")


def _append_only_up() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
    else:
        op.execute(
            "CREATE OR REPLACE FUNCTION triage_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$ LANGUAGE plpgsql"
        )
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION triage_append_only()")


def _append_only_down() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    else:
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS triage_append_only()")


def upgrade() -> None:
    op.create_table(
        "catalogue",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("group", sa.String(length=10), nullable=False),
        sa.Column("summit", sa.String(), nullable=False),
        sa.Column("report_kind", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("scale", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue")),
    )
    op.create_table(
        "lease",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_lease")),
    )
    op.create_table(
        "llm_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("prompt_version", sa.String(length=60), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_llm_cache")),
    )
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=True),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempt")),
    )
    op.create_index(op.f("ix_login_attempt_at"), "login_attempt", ["at"], unique=False)
    op.create_index(op.f("ix_login_attempt_username"), "login_attempt", ["username"], unique=False)

    op.create_table(
        "source",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("member", sa.String(length=60), nullable=True),
        sa.Column("publisher", sa.String(), nullable=False),
        sa.Column("city", sa.String(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("poll_minutes", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("etag", sa.String(), nullable=True),
        sa.Column("last_modified", sa.String(), nullable=True),
        sa.Column("last_fetch_at", sa.DateTime(), nullable=True),
        sa.Column("next_fetch_at", sa.DateTime(), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
    )
    op.create_index(op.f("ix_source_next_fetch_at"), "source", ["next_fetch_at"], unique=False)

    op.create_table(
        "users",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(), nullable=True),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "commitment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("catalogue_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("quote", sa.String(), nullable=True),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=True),
        sa.Column("exclusions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["catalogue_id"], ["catalogue.id"], name=op.f("fk_commitment_catalogue_id_catalogue")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment")),
        sa.UniqueConstraint("catalogue_id", "number", name=op.f("uq_commitment_catalogue_id_number")),
    )
    op.create_index(op.f("ix_commitment_catalogue_id"), "commitment", ["catalogue_id"], unique=False)

    op.create_table(
        "fetch_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("bytes", sa.Integer(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("new_items", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("bozo", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name=op.f("fk_fetch_log_source_id_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fetch_log")),
    )
    op.create_index(op.f("ix_fetch_log_source_id"), "fetch_log", ["source_id"], unique=False)

    op.create_table(
        "item",
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("publisher", sa.String(), nullable=True),
        sa.Column("city", sa.String(), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canonical_url", sa.String(), nullable=True),
        sa.Column("language_detected", sa.Boolean(), nullable=False),
        sa.Column("date_missing", sa.Boolean(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("fingerprint", sa.BigInteger(), nullable=True),
        sa.Column("in_period", sa.Boolean(), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_reason", sa.String(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("gist_en", sa.String(), nullable=True),
        sa.Column("injection_suspected", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_item_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item")),
        sa.UniqueConstraint("content_hash", name=op.f("uq_item_content_hash")),
    )
    op.create_index(op.f("ix_item_canonical_url"), "item", ["canonical_url"], unique=False)
    op.create_index(op.f("ix_item_fingerprint"), "item", ["fingerprint"], unique=False)
    op.create_index(op.f("ix_item_published_at"), "item", ["published_at"], unique=False)
    op.create_index(op.f("ix_item_status"), "item", ["status"], unique=False)

    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("catalogue_id", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("demonyms", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["catalogue_id"], ["catalogue.id"], name=op.f("fk_member_catalogue_id_catalogue")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("catalogue_id", "key", name=op.f("uq_member_catalogue_id_key")),
    )
    op.create_index(op.f("ix_member_catalogue_id"), "member", ["catalogue_id"], unique=False)

    op.create_table(
        "web_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_web_session_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
    )
    op.create_index(op.f("ix_web_session_user_id"), "web_session", ["user_id"], unique=False)

    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assigned_by_id"], ["users.id"], name=op.f("fk_assignment_assigned_by_id_users")),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"], name=op.f("fk_assignment_commitment_id_commitment")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_assignment_member_id_member")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_assignment_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment")),
        sa.UniqueConstraint("user_id", "commitment_id", "member_id", name=op.f("uq_assignment_user_id_commitment_id_member_id")),
    )
    op.create_index(op.f("ix_assignment_user_id"), "assignment", ["user_id"], unique=False)

    op.create_table(
        "dimension",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("strong_examples", sa.JSON(), nullable=False),
        sa.Column("weak_examples", sa.JSON(), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"], name=op.f("fk_dimension_commitment_id_commitment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dimension")),
        sa.UniqueConstraint("commitment_id", "key", name=op.f("uq_dimension_commitment_id_key")),
    )
    op.create_index(op.f("ix_dimension_commitment_id"), "dimension", ["commitment_id"], unique=False)

    op.create_table(
        "llm_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("endpoint", sa.String(), nullable=True),
        sa.Column("prompt_version", sa.String(length=60), nullable=False),
        sa.Column("schema_hash", sa.String(length=64), nullable=True),
        sa.Column("output_mode", sa.String(length=20), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("tokens_in", sa.Integer(), nullable=False),
        sa.Column("tokens_out", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("outcome", sa.String(length=30), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_llm_call_item_id_item")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_call")),
    )
    op.create_index(op.f("ix_llm_call_created_at"), "llm_call", ["created_at"], unique=False)
    op.create_index(op.f("ix_llm_call_item_id"), "llm_call", ["item_id"], unique=False)

    op.create_table(
        "score",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("suggested", sa.Integer(), nullable=True),
        sa.Column("explanation", sa.String(), nullable=True),
        sa.Column("suggested_at", sa.DateTime(), nullable=True),
        sa.Column("final", sa.Integer(), nullable=True),
        sa.Column("justification", sa.String(), nullable=True),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"], name=op.f("fk_score_commitment_id_commitment")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_score_member_id_member")),
        sa.ForeignKeyConstraint(["set_by_id"], ["users.id"], name=op.f("fk_score_set_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score")),
        sa.UniqueConstraint("member_id", "commitment_id", name=op.f("uq_score_member_id_commitment_id")),
    )
    op.create_index(op.f("ix_score_commitment_id"), "score", ["commitment_id"], unique=False)

    op.create_table(
        "sighting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.String(length=100), nullable=False),
        sa.Column("entry_key", sa.String(), nullable=False),
        sa.Column("entry_url", sa.String(), nullable=True),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_sighting_item_id_item")),
        sa.ForeignKeyConstraint(["source_id"], ["source.id"], name=op.f("fk_sighting_source_id_source")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sighting")),
        sa.UniqueConstraint("source_id", "entry_key", name=op.f("uq_sighting_source_id_entry_key")),
    )
    op.create_index(op.f("ix_sighting_item_id"), "sighting", ["item_id"], unique=False)

    op.create_table(
        "score_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("old_final", sa.Integer(), nullable=True),
        sa.Column("new_final", sa.Integer(), nullable=True),
        sa.Column("justification", sa.String(), nullable=True),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["score_id"], ["score.id"], name=op.f("fk_score_change_score_id_score")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_score_change_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_change")),
    )
    op.create_index(op.f("ix_score_change_score_id"), "score_change", ["score_id"], unique=False)

    op.create_table(
        "suggestion",
        sa.Column("strength", sa.String(length=10), nullable=False),
        sa.Column("contradictory", sa.Boolean(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("rationale", sa.String(), nullable=False),
        sa.Column("quote", sa.String(), nullable=False),
        sa.Column("action_date", sa.Date(), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("dimension_id", sa.Integer(), nullable=False),
        sa.Column("quote_verified", sa.Boolean(), nullable=False),
        sa.Column("action_in_period", sa.Boolean(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("agent", sa.String(length=120), nullable=False),
        sa.Column("agent_kind", sa.String(length=20), nullable=False),
        sa.Column("rule_fired", sa.String(), nullable=True),
        sa.Column("llm_call_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"], name=op.f("fk_suggestion_commitment_id_commitment")),
        sa.ForeignKeyConstraint(["dimension_id"], ["dimension.id"], name=op.f("fk_suggestion_dimension_id_dimension")),
        sa.ForeignKeyConstraint(["item_id"], ["item.id"], name=op.f("fk_suggestion_item_id_item")),
        sa.ForeignKeyConstraint(["llm_call_id"], ["llm_call.id"], name=op.f("fk_suggestion_llm_call_id_llm_call")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_suggestion_member_id_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion")),
        sa.UniqueConstraint(
            "item_id",
            "member_id",
            "commitment_id",
            "dimension_id",
            "agent",
            name=op.f("uq_suggestion_item_id_member_id_commitment_id_dimension_id_agent"),
        ),
    )
    op.create_index(op.f("ix_suggestion_item_id"), "suggestion", ["item_id"], unique=False)
    op.create_index("ix_suggestion_queue", "suggestion", ["status", "commitment_id", "member_id"], unique=False)

    op.create_table(
        "decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("based_on_version", sa.Integer(), nullable=False),
        sa.Column("status_after", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("commitment_id", sa.Integer(), nullable=True),
        sa.Column("dimension_id", sa.Integer(), nullable=True),
        sa.Column("strength", sa.String(length=10), nullable=True),
        sa.Column("contradictory", sa.Boolean(), nullable=True),
        sa.Column("action_date", sa.Date(), nullable=True),
        sa.Column("quote", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["commitment_id"], ["commitment.id"], name=op.f("fk_decision_commitment_id_commitment")),
        sa.ForeignKeyConstraint(["dimension_id"], ["dimension.id"], name=op.f("fk_decision_dimension_id_dimension")),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_decision_member_id_member")),
        sa.ForeignKeyConstraint(["suggestion_id"], ["suggestion.id"], name=op.f("fk_decision_suggestion_id_suggestion")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_decision_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
    )
    op.create_index(op.f("ix_decision_commitment_id"), "decision", ["commitment_id"], unique=False)
    op.create_index(op.f("ix_decision_created_at"), "decision", ["created_at"], unique=False)
    op.create_index(op.f("ix_decision_suggestion_id"), "decision", ["suggestion_id"], unique=False)
    op.create_index(op.f("ix_decision_user_id"), "decision", ["user_id"], unique=False)
    _append_only_up()


def downgrade() -> None:
    _append_only_down()
    op.drop_index(op.f("ix_decision_user_id"), table_name="decision")
    op.drop_index(op.f("ix_decision_suggestion_id"), table_name="decision")
    op.drop_index(op.f("ix_decision_created_at"), table_name="decision")
    op.drop_index(op.f("ix_decision_commitment_id"), table_name="decision")
    op.drop_table("decision")
    op.drop_index("ix_suggestion_queue", table_name="suggestion")
    op.drop_index(op.f("ix_suggestion_item_id"), table_name="suggestion")
    op.drop_table("suggestion")
    op.drop_index(op.f("ix_score_change_score_id"), table_name="score_change")
    op.drop_table("score_change")
    op.drop_index(op.f("ix_sighting_item_id"), table_name="sighting")
    op.drop_table("sighting")
    op.drop_index(op.f("ix_score_commitment_id"), table_name="score")
    op.drop_table("score")
    op.drop_index(op.f("ix_llm_call_item_id"), table_name="llm_call")
    op.drop_index(op.f("ix_llm_call_created_at"), table_name="llm_call")
    op.drop_table("llm_call")
    op.drop_index(op.f("ix_dimension_commitment_id"), table_name="dimension")
    op.drop_table("dimension")
    op.drop_index(op.f("ix_assignment_user_id"), table_name="assignment")
    op.drop_table("assignment")
    op.drop_index(op.f("ix_web_session_user_id"), table_name="web_session")
    op.drop_table("web_session")
    op.drop_index(op.f("ix_member_catalogue_id"), table_name="member")
    op.drop_table("member")
    op.drop_index(op.f("ix_item_status"), table_name="item")
    op.drop_index(op.f("ix_item_published_at"), table_name="item")
    op.drop_index(op.f("ix_item_fingerprint"), table_name="item")
    op.drop_index(op.f("ix_item_canonical_url"), table_name="item")
    op.drop_table("item")
    op.drop_index(op.f("ix_fetch_log_source_id"), table_name="fetch_log")
    op.drop_table("fetch_log")
    op.drop_index(op.f("ix_commitment_catalogue_id"), table_name="commitment")
    op.drop_table("commitment")
    op.drop_table("users")
    op.drop_index(op.f("ix_source_next_fetch_at"), table_name="source")
    op.drop_table("source")
    op.drop_index(op.f("ix_login_attempt_username"), table_name="login_attempt")
    op.drop_index(op.f("ix_login_attempt_at"), table_name="login_attempt")
    op.drop_table("login_attempt")
    op.drop_table("llm_cache")
    op.drop_table("lease")
    op.drop_table("catalogue")

"""The schema: migrations up and down on SQLite and PostgreSQL, in step with the models."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel

from triage import db
from triage.models import Decision, ScoreChange


def table_names(url: str) -> set[str]:
    names = set(inspect(db.engine_for(url)).get_table_names()) - {"alembic_version"}
    return {n for n in names if not is_search_index(n)}  # the search index is the database's own (migration 0414)


def is_search_index(name: str) -> bool:
    from triage.review.search import SEARCH_COLUMN, SEARCH_INDEX, SEARCH_TABLE

    return name.startswith(SEARCH_TABLE) or name in (SEARCH_COLUMN, SEARCH_INDEX)


def _not_search(obj, name, type_, reflected, compare_to) -> bool:
    return not (reflected and compare_to is None and is_search_index(str(name)))


def test_upgrade_then_downgrade_then_upgrade(db_url):
    db.migrate(db_url)
    assert db.current_revision(db_url) == db.head_revision()
    assert table_names(db_url) == set(SQLModel.metadata.tables)
    db.downgrade(db_url, "base")
    assert db.current_revision(db_url) is None
    assert table_names(db_url) == set()
    db.migrate(db_url)
    assert table_names(db_url) == set(SQLModel.metadata.tables)


def test_models_match_migrations(migrated_db):
    """A model changed without a migration shows up here."""
    with db.engine_for(migrated_db).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_object": _not_search}), SQLModel.metadata)
    assert diff == []


def _seed_decision(session: Session) -> Decision:
    session.execute(
        text(
            'INSERT INTO catalogue (id, title, "group", summit, report_kind, period_start, period_end, path, sha256, loaded_at, active) '
            "VALUES ('c', 't', 'G7', 's', 'interim', '2024-06-15', '2024-12-20', 'p', 'h', '2024-01-01 00:00:00', true)"
        )
    )
    session.execute(
        text("INSERT INTO member (catalogue_id, key, name, kind, position, aliases, demonyms) VALUES ('c', 'm', 'M', 'country', 0, '[]', '[]')")
    )
    session.execute(text("INSERT INTO commitment (catalogue_id, number, area, title, complete, exclusions) VALUES ('c', 1, 'a', 't', false, '[]')"))
    session.execute(
        text(
            "INSERT INTO dimension (commitment_id, key, name, description, position, strong_examples, weak_examples, retired) "
            "VALUES (1, 'd', 'D', '', 0, '[]', '[]', false)"
        )
    )
    session.execute(
        text("INSERT INTO users (username, role, active, password_hash, created_at) VALUES ('ana', 'analyst', true, 'x', '2024-01-01 00:00:00')")
    )
    session.execute(
        text(
            "INSERT INTO item (title, text, content_hash, fetched_at, origin, status, attempts, language_detected, date_missing, injection_suspected, created_at) "
            "VALUES ('t', 'x', 'h', '2024-01-01 00:00:00', 'feed', 'new', 0, false, false, false, '2024-01-01 00:00:00')"
        )
    )
    session.execute(
        text(
            "INSERT INTO suggestion (item_id, member_id, commitment_id, dimension_id, strength, contradictory, confidence, rationale, quote, "
            "quote_verified, flags, agent, agent_kind, status, version, created_at, updated_at) "
            "VALUES (1, 1, 1, 1, 'strong', false, 0.5, '', '', false, '[]', 'rules:1', 'rules', 'pending', 1, '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
        )
    )
    decision = Decision(
        suggestion_id=1, user_id=1, action="accept", based_on_version=1, status_after="accepted", created_at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC)
    )
    session.add(decision)
    session.commit()
    return decision


@pytest.mark.parametrize("statement", ["UPDATE decision SET note = 'rewritten'", "DELETE FROM decision"])
def test_decisions_are_append_only(migrated_db, statement):
    with Session(db.engine_for(migrated_db)) as session:
        _seed_decision(session)
    with Session(db.engine_for(migrated_db)) as session:
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
            session.commit()
        session.rollback()
        assert session.execute(text("SELECT count(*) FROM decision")).scalar() == 1


def test_score_changes_are_append_only(migrated_db):
    with Session(db.engine_for(migrated_db)) as session:
        _seed_decision(session)
        session.execute(text("INSERT INTO score (member_id, commitment_id) VALUES (1, 1)"))
        session.add(ScoreChange(score_id=1, new_final=0, origin="lead"))
        session.commit()
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text("UPDATE score_change SET new_final = 1"))
            session.commit()


def test_timestamps_come_back_as_utc(migrated_db):
    with Session(db.engine_for(migrated_db)) as session:
        decision = _seed_decision(session)
        session.expire_all()
        again = session.get(Decision, decision.id)
        assert again.created_at == dt.datetime(2024, 7, 1, tzinfo=dt.UTC)
        assert again.created_at.tzinfo is not None

"""Backup and restore: the same content across SQLite and PostgreSQL, secrets left out, damage refused."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import inspect
from sqlmodel import select

from tests.conftest import PG_SKIP, PG_URL, _create_pg_database, _drop_pg_database
from tests.deploy.conftest import load_catalogue_into
from triage import backup, db
from triage.accounts import create_user
from triage.catalogue.index import CatalogueIndex
from triage.classify.service import classify_pending
from triage.config import Settings
from triage.errors import ConfigError, InputError
from triage.models import Decision, LLMCall, Suggestion, User, WebSession, utcnow
from triage.review.decisions import decide
from triage.sources.ingest import ingest_samples


def populate(url: str) -> None:
    """A small installation: catalogue, sample feeds, classified items, users, decisions, an LLM call, a session."""
    load_catalogue_into(url)
    settings = Settings(database_url=url)
    ingest_samples(settings)
    classify_pending(settings, backend="rules")
    with db.session_scope(url) as s:
        index = CatalogueIndex.load(s)
        ana = create_user(s, username="ana", role="analyst", password="correct horse battery")
        create_user(s, username="lead", role="lead", password="correct horse battery staple")
        s.flush()
        ids = list(s.exec(select(Suggestion.id).order_by(Suggestion.id)))[:3]
        decide(s, index, suggestion_id=ids[0], user=ana, action="accept", version=1)
        decide(s, index, suggestion_id=ids[1], user=ana, action="reject", version=1, reason="wrong_member")
        s.add(
            LLMCall(
                model="gpt-4o-mini",
                endpoint="api.example",
                prompt_version="v1",
                schema_hash="h",
                output_mode="json_schema",
                attempt=1,
                outcome="ok",
                tokens_in=10,
                tokens_out=5,
                latency_ms=120,
                cost_usd=0.0001,
            )
        )
        s.add(WebSession(id="t" * 64, user_id=ana.id, csrf_token="c", created_at=utcnow(), expires_at=utcnow()))


@pytest.fixture
def sqlite_url(tmp_path):
    def make(name: str) -> str:
        return f"sqlite:///{tmp_path / name}"

    return make


@pytest.fixture
def pg_url():
    if not PG_URL:
        pytest.skip(PG_SKIP)
    made = []

    def make() -> str:
        made.append(_create_pg_database())
        return made[-1]

    yield make
    for url in made:
        _drop_pg_database(url)


def test_sqlite_to_postgres_and_back_gives_the_same_content(sqlite_url, pg_url, tmp_path):
    first = sqlite_url("first.db")
    db.migrate(first)
    populate(first)
    a = backup.backup(first, tmp_path / "a.triage.gz")
    assert a.rows["item"] == 70 and a.rows["decision"] == 2 and a.rows["llm_call"] == 1 and a.rows["users"] == 2
    assert "web_session" not in a.rows  # a secret
    pg = pg_url()
    restored = backup.restore(pg, tmp_path / "a.triage.gz")
    assert restored.rows == a.rows
    b = backup.backup(pg, tmp_path / "b.triage.gz")
    assert b.content_sha256 == a.content_sha256 and b.rows == a.rows
    second = sqlite_url("second.db")
    backup.restore(second, tmp_path / "b.triage.gz")
    c = backup.backup(second, tmp_path / "c.triage.gz")
    assert c.content_sha256 == a.content_sha256
    # The restored installation works: new rows get new ids (sequences moved on), decisions stay append-only.
    with db.session_scope(pg) as s:
        index = CatalogueIndex.load(s)
        lead = s.exec(select(User).where(User.username == "lead")).one()
        next_id = s.exec(select(Suggestion.id).order_by(Suggestion.id)).all()[2]
        d = decide(s, index, suggestion_id=next_id, user=lead, action="accept", version=1)
        s.flush()
        assert d.id == 3
        assert s.exec(select(User).where(User.username == "ana")).one().password_hash == backup.NO_PASSWORD


def test_postgres_to_sqlite_with_secrets(pg_url, sqlite_url, tmp_path, cli):
    pg = pg_url()
    db.migrate(pg)
    populate(pg)
    a = backup.backup(pg, tmp_path / "a.gz", with_secrets=True)
    assert a.rows["web_session"] == 1
    target = sqlite_url("target.db")
    backup.restore(target, tmp_path / "a.gz")
    b = backup.backup(target, tmp_path / "b.gz", with_secrets=True)
    assert b.content_sha256 == a.content_sha256
    with db.session_scope(target) as s:
        assert s.exec(select(User).where(User.username == "ana")).one().password_hash.startswith("$argon2")
        assert len(s.exec(select(Decision)).all()) == 2


def test_cli_refuses_a_non_empty_database_and_a_damaged_file(migrated_db, tmp_path, cli, monkeypatch):
    populate(migrated_db)
    out = tmp_path / "x.gz"
    r = cli("backup", "--out", out, "--json")
    assert r.code == 0, r.err
    assert r.json["with_secrets"] is False and r.json["total_rows"] > 70
    r = cli("restore", out)
    assert r.code != 0 and "not empty" in r.err  # the same database: refused, nothing written

    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("TRIAGE_DATABASE_URL", empty)
    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith('["'))
    assert "a" in lines[row]
    tampered = lines[:row] + [lines[row].replace("a", "b", 1)] + lines[row + 1 :]
    (tmp_path / "tampered.gz").write_bytes(gzip.compress(("\n".join(tampered) + "\n").encode()))
    r = cli("restore", tmp_path / "tampered.gz")
    assert r.code == 2 and "checksum" in r.err, r.err
    (tmp_path / "cut.gz").write_bytes(out.read_bytes()[: len(out.read_bytes()) // 2])
    r = cli("restore", tmp_path / "cut.gz")
    assert r.code == 2 and "damaged" in r.err, r.err
    (tmp_path / "truncated.gz").write_bytes(gzip.compress(("\n".join(lines[:-1]) + "\n").encode()))
    r = cli("restore", tmp_path / "truncated.gz")
    assert r.code == 2 and "truncated" in r.err, r.err
    (tmp_path / "other.gz").write_bytes(gzip.compress(json.dumps({"hello": 1}).encode()))
    assert "not a Triage backup" in cli("restore", tmp_path / "other.gz").err
    assert inspect(db.engine_for(empty)).get_table_names() == []  # a refused file is refused before anything is written
    r = cli("restore", out)
    assert r.code == 0, r.err
    assert "no password hashes" in r.out


def test_refuses_a_backup_of_another_schema_revision(migrated_db, tmp_path):
    out = tmp_path / "x.gz"
    backup.backup(migrated_db, out)
    lines = gzip.decompress(out.read_bytes()).decode().splitlines()
    header = json.loads(lines[0])
    header["revision"] = "0001"
    out.write_bytes(gzip.compress(("\n".join([json.dumps(header), *lines[1:]]) + "\n").encode()))
    with pytest.raises(ConfigError, match="revision 0001"):
        backup.restore(f"sqlite:///{tmp_path / 'new.db'}", out)
    with pytest.raises(InputError):
        backup.restore(f"sqlite:///{tmp_path / 'new.db'}", tmp_path / "missing.gz")

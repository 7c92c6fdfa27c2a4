"""Shared fixtures: an isolated environment, databases on SQLite and PostgreSQL, the CLI."""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from triage import db

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold"
CATALOGUE = ROOT / "commitments" / "2024-apulia-interim.yaml"
PG_URL = os.environ.get("TRIAGE_TEST_POSTGRES_URL")
PG_SKIP = "PostgreSQL variant: set TRIAGE_TEST_POSTGRES_URL (CI does) to run it"


def gold_file(name: str) -> Path:
    """Labeled data: the small member-dimension table ships in tests/data; the dev items stay
    in the shared gold directory (TRIAGE_GOLD_DIR, ../shared/gold or /work/shared/gold)."""
    candidates = [ROOT / "tests" / "data" / name]
    if os.environ.get("TRIAGE_GOLD_DIR"):
        candidates.append(Path(os.environ["TRIAGE_GOLD_DIR"]) / name)
    candidates += [GOLD / name, Path("/work/shared/gold") / name]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    pytest.skip(f"gold file {name} not found (set TRIAGE_GOLD_DIR)")


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, tmp_path):
    """No developer setting or key leaks into a test; the working directory is private."""
    for key in list(os.environ):
        if key.startswith(("TRIAGE_", "OPENAI_")) and key != "TRIAGE_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TRIAGE_DATABASE_URL", f"sqlite:///{tmp_path / 'triage.db'}")
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps at the terminal width; keep lines whole
    yield
    db.dispose_engines()


def _create_pg_database() -> str:
    base = make_url(PG_URL)
    name = f"triage_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(url: str) -> None:
    db.dispose_engines()
    parsed = make_url(url)
    admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, monkeypatch) -> str:
    """An empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        monkeypatch.setenv("TRIAGE_DATABASE_URL", url)
        yield url
        db.dispose_engines()
        return
    if not PG_URL:
        pytest.skip(PG_SKIP)
    url = _create_pg_database()
    monkeypatch.setenv("TRIAGE_DATABASE_URL", url)
    try:
        yield url
    finally:
        _drop_pg_database(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated SQLite file, copied for each test instead of migrating each time."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db.migrate(f"sqlite:///{path}")
    db.dispose_engines()
    return path


@pytest.fixture(scope="session")
def pg_template():
    """A migrated PostgreSQL database used as CREATE DATABASE ... TEMPLATE."""
    url = _create_pg_database()
    db.migrate(url)
    db.dispose_engines()
    yield make_url(url).database
    _drop_pg_database(url)


@pytest.fixture
def migrated_db(db_url, request) -> str:
    """The empty database of `db_url`, replaced by a copy of the migrated template."""
    if db_url.startswith("sqlite"):
        template = request.getfixturevalue("sqlite_template")
        db.dispose_engines()
        shutil.copyfile(template, make_url(db_url).database)
    else:
        template = request.getfixturevalue("pg_template")
        db.dispose_engines()
        name = make_url(db_url).database
        admin = create_engine(make_url(PG_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        admin.dispose()
    assert db.current_revision(db_url) == db.head_revision()
    return db_url


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self):
        import json

        return json.loads(self.out)


@pytest.fixture
def cli(capsys):
    """Run `triage ARGS...` in-process through the real entry point."""
    from triage.cli import main

    def run(*args: str, input: str | None = None) -> Result:
        capsys.readouterr()
        if input is not None:
            import io
            import sys

            old = sys.stdin
            sys.stdin = io.StringIO(input)
            try:
                code = main([str(a) for a in args])
            finally:
                sys.stdin = old
        else:
            code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def loaded_db(migrated_db) -> str:
    """A migrated database with the shipped catalogue loaded (no sources)."""
    from triage.catalogue import load_catalogue
    from triage.catalogue.store import sync_catalogue

    with db.session_scope(migrated_db) as session:
        sync_catalogue(session, load_catalogue(CATALOGUE), CATALOGUE)
    return migrated_db

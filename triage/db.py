"""Engines, sessions and migrations for SQLite (embedded default) and PostgreSQL (teams)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, create_engine

import triage.models  # noqa: F401  (registers every table on the metadata)
from triage import resources


def normalise_url(url: str) -> str:
    """postgresql:// means psycopg 3 here, the driver Triage installs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while the scheduler writes; busy_timeout waits for
    # the writer instead of failing at once; SQLite leaves foreign keys off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: safe against crashes, fsync at checkpoints only
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_before_savepoint(conn, name) -> None:
    # pysqlite opens a transaction only before INSERT/UPDATE/DELETE. A SAVEPOINT issued
    # before any of those becomes the outermost transaction, and its RELEASE commits:
    # work meant to be rolled back as a whole (a bulk reject that fails half-way) would
    # stay half-applied. Opening the transaction first makes the savepoint a nested one.
    # IMMEDIATE: a deferred transaction that reads and then writes fails at once with
    # "database is locked" when another writer got in between; taking the write lock up
    # front makes it wait (busy_timeout) instead.
    dbapi_connection = conn.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def begin_write(session: Session) -> None:
    """Take SQLite's write lock now, before the reads that decide what to write, so concurrent
    writers queue behind it instead of failing; nothing to do on PostgreSQL."""
    conn = session.connection()
    dbapi_connection = conn.connection.dbapi_connection
    if conn.dialect.name == "sqlite" and dbapi_connection is not None and not dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, **kwargs) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    return engine


_engines: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One engine (and pool) per URL per process."""
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


def dispose_engines() -> None:
    """Close every pooled connection (tests drop databases; forks must not share sockets)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine_for(url), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.migrations_dir()))
    # ConfigParser interpolation would choke on '%' in passwords.
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def migrate(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    with engine_for(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_schema(url: str) -> None:
    """Refuse to work on a database that `triage init` has not brought to the current schema."""
    from triage.errors import ConfigError

    parsed = make_url(normalise_url(url))
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        from pathlib import Path

        if not Path(parsed.database).exists():  # connecting would create an empty file
            raise ConfigError(
                f"there is no database at {parsed.database}: run `triage init` first to create one, "
                "or name another with `triage --db FILE` (the demo's is triage-demo.db)"
            )
    try:
        current = current_revision(url)
    except Exception as exc:  # unreachable server, bad credentials, missing file
        raise ConfigError(f"cannot open the database {make_url(normalise_url(url)).render_as_string()}: {exc.__class__.__name__}: {exc}") from None
    head = head_revision()
    if current != head:
        state = "empty" if current is None else f"at revision {current}"
        raise ConfigError(f"the database is {state}, not {head}: run `triage init` first")


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()

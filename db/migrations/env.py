"""Alembic environment: Triage's metadata, the URL from the config or TRIAGE_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import triage.models  # noqa: F401
from triage.db import make_engine, normalise_url

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from triage.config import Settings

        url = Settings().database_url
    return normalise_url(url)


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        # Batch mode rewrites tables on SQLite, which cannot ALTER most things in place.
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()

"""Fixtures for deployment tests: a PostgreSQL database of their own, queued items, worker processes."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert

from tests.conftest import CATALOGUE, PG_SKIP, PG_URL, _create_pg_database, _drop_pg_database
from tests.ingest.conftest import allow_loopback, server  # noqa: F401  (loopback fetches allowed; the loopback feed server)
from triage import db
from triage.models import Item


def load_catalogue_into(url: str) -> None:
    from triage.catalogue import load_catalogue
    from triage.catalogue.store import sync_catalogue

    with db.session_scope(url) as session:
        sync_catalogue(session, load_catalogue(CATALOGUE), CATALOGUE)


@pytest.fixture
def pg_loaded():
    """A fresh PostgreSQL database, migrated, with the shipped catalogue."""
    if not PG_URL:
        pytest.skip(PG_SKIP)
    url = _create_pg_database()
    try:
        db.migrate(url)
        load_catalogue_into(url)
        yield url
    finally:
        _drop_pg_database(url)


def queue_items(url: str, n: int, start: int = 0) -> None:
    """n distinct items waiting for classification, each a candidate for commitment 19."""
    now = dt.datetime.now(dt.UTC)
    published = dt.datetime(2024, 10, 1, tzinfo=dt.UTC)
    rows = []
    for i in range(start, start + n):
        text = f"Police arrested {i} suspected members of a migrant smuggling network in operation {i}.\nThe investigation continues."
        rows.append(
            {
                "title": f"Migrant smuggling network dismantled ({i})",
                "text": text,
                "language": "en",
                "published_at": published,
                "content_hash": hashlib.sha256(text.encode()).hexdigest(),
                "in_period": True,
                "origin": "feed",
                "status": "new",
                "attempts": 0,
                "language_detected": False,
                "date_missing": False,
                "injection_suspected": False,
                "fetched_at": now,
                "created_at": now,
            }
        )
    with db.engine_for(url).begin() as conn:
        for k in range(0, len(rows), 1000):
            conn.execute(insert(Item), rows[k : k + 1000])


class Proc:
    """A `triage` subprocess whose output goes to files (a pipe nobody reads would block it)."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path, name: str):
        self.out_path, self.err_path = cwd / f"{name}.out", cwd / f"{name}.err"
        with open(self.out_path, "w") as out, open(self.err_path, "w") as err:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "triage", *args], env={**os.environ, "COLUMNS": "200", **env}, cwd=cwd, stdout=out, stderr=err, text=True
            )

    def poll(self) -> int | None:
        return self.popen.poll()

    def send_signal(self, sig: int) -> None:
        self.popen.send_signal(sig)

    def wait(self, timeout: float) -> int:
        return self.popen.wait(timeout=timeout)

    @property
    def returncode(self) -> int | None:
        return self.popen.returncode

    @property
    def out(self) -> str:
        return self.out_path.read_text()

    @property
    def err(self) -> str:
        return self.err_path.read_text()


_counter = iter(range(10**6))


def start_worker(env: dict[str, str], cwd: Path, *args: str) -> Proc:
    return Proc(["worker", *args], env, cwd, f"worker-{next(_counter)}")

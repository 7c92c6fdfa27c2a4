"""Heartbeats: schedulers and workers record that they are alive, for /healthz and /metrics.

One row per process (its owner name), written at start and every `heartbeat_seconds` by a
daemon thread, deleted on a clean exit. A process killed outright leaves its row behind, and
its age says how long it has been silent.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from types import TracebackType

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine

from triage.models import Heartbeat, utcnow
from triage.vocab import ProcessKind

log = logging.getLogger(__name__)
BEATS = Heartbeat.metadata.tables["heartbeat"]


def beat(engine: Engine, owner: str, kind: ProcessKind, started_at: dt.datetime) -> None:
    now = utcnow()
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(BEATS).values(owner=owner, kind=str(kind), started_at=started_at, beat_at=now)
    with engine.begin() as conn:
        conn.execute(stmt.on_conflict_do_update(index_elements=["owner"], set_={"beat_at": now}))


def forget(engine: Engine, owner: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(BEATS).where(BEATS.c.owner == owner))


def newest(engine: Engine, kind: ProcessKind) -> dt.datetime | None:
    """When the most recent process of `kind` last beat (None: never)."""
    with engine.connect() as conn:
        value = conn.execute(select(func.max(BEATS.c.beat_at)).where(BEATS.c.kind == str(kind))).scalar()
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def alive(engine: Engine, kind: ProcessKind, within_seconds: float) -> int:
    """Processes of `kind` heard from within the last `within_seconds`."""
    cutoff = utcnow() - dt.timedelta(seconds=within_seconds)
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(BEATS).where(BEATS.c.kind == str(kind), BEATS.c.beat_at >= cutoff)).scalar() or 0)


class Beating:
    """`with Beating(engine, owner, kind, every):` keeps the process's heartbeat fresh."""

    def __init__(self, engine: Engine, owner: str, kind: ProcessKind, every: float):
        self.engine, self.owner, self.kind, self.every = engine, owner, kind, every
        self.started = utcnow()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{kind}", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                beat(self.engine, self.owner, self.kind, self.started)
            except Exception as exc:  # a database hiccup must not kill the process; /healthz will notice
                log.warning("heartbeat failed: %s", exc)

    def __enter__(self) -> Beating:
        beat(self.engine, self.owner, self.kind, self.started)
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()
        try:
            forget(self.engine, self.owner)
        except Exception as error:
            log.warning("could not remove the heartbeat: %s", error)

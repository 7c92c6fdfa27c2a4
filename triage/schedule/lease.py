"""Database leases: a named job runs in one scheduler process at a time.

APScheduler 3 does not coordinate schedulers that share a job store; each would run
every job. Before a job runs, its process takes the job's row in the `lease` table:
an INSERT (first time) or an UPDATE that only succeeds when the lease has expired
or is already ours. Both are single atomic statements on PostgreSQL (row locks; a
waiting UPDATE re-checks its WHERE clause) and on SQLite (one writer at a time), so
two processes can never both succeed. A running job renews its lease; a crashed
one's lease expires and another process takes over.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import delete, insert, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from triage.models import Lease, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
LEASES = Lease.__table__  # type: ignore[attr-defined]  # SQLModel sets it on table classes

# One owner name per process: host, pid and a random part (pids are reused).
OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(engine: Engine, name: str, owner: str, ttl: float) -> bool:
    now = utcnow()
    expires = now + dt.timedelta(seconds=ttl)
    with engine.begin() as conn:
        try:
            with conn.begin_nested():
                conn.execute(insert(LEASES).values(name=name, owner=owner, acquired_at=now, expires_at=expires))
            return True
        except IntegrityError:
            pass
        taken = conn.execute(
            update(LEASES)
            .where(LEASES.c.name == name, or_(LEASES.c.expires_at < now, LEASES.c.owner == owner))
            .values(owner=owner, acquired_at=now, expires_at=expires)
        )
        return taken.rowcount == 1


def renew(engine: Engine, name: str, owner: str, ttl: float) -> bool:
    with engine.begin() as conn:
        done = conn.execute(
            update(LEASES).where(LEASES.c.name == name, LEASES.c.owner == owner).values(expires_at=utcnow() + dt.timedelta(seconds=ttl))
        )
        return done.rowcount == 1


def release(engine: Engine, name: str, owner: str, hold_seconds: float = 0) -> None:
    """Give the lease up, or keep it `hold_seconds` longer so that another scheduler's
    trigger for the same run (which fires at about the same moment) finds it taken."""
    with engine.begin() as conn:
        if hold_seconds > 0:
            conn.execute(
                update(LEASES).where(LEASES.c.name == name, LEASES.c.owner == owner).values(expires_at=utcnow() + dt.timedelta(seconds=hold_seconds))
            )
        else:
            conn.execute(delete(LEASES).where(LEASES.c.name == name, LEASES.c.owner == owner))


def holder(engine: Engine, name: str) -> tuple[str, dt.datetime] | None:
    from sqlalchemy import select

    with engine.connect() as conn:
        row = conn.execute(select(LEASES.c.owner, LEASES.c.expires_at).where(LEASES.c.name == name)).first()
    return (row[0], row[1]) if row else None


def run_exclusive(engine: Engine, name: str, fn: Callable[[], T], ttl: float, hold_seconds: float = 0, owner: str = OWNER) -> tuple[bool, T | None]:
    """Run fn under the lease `name`; (False, None) when another process holds it."""
    if not acquire(engine, name, owner, ttl):
        held = holder(engine, name)
        log.info("job %s skipped: lease held by %s until %s", name, *(held or ("?", "?")))
        return False, None
    stop = threading.Event()

    def keep_alive() -> None:
        while not stop.wait(max(ttl / 3, 0.5)):
            if not renew(engine, name, owner, ttl):
                log.error("job %s: lease lost while running", name)
                return

    renewer = threading.Thread(target=keep_alive, name=f"lease-{name}", daemon=True)
    renewer.start()
    try:
        return True, fn()
    finally:
        stop.set()
        renewer.join()
        release(engine, name, owner, hold_seconds)

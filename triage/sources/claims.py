"""Claims on due sources, so several workers share fetching and none fetches a source twice.

A worker takes a batch of due sources in one short transaction: on PostgreSQL it locks the
source rows with `SELECT ... FOR UPDATE SKIP LOCKED` (concurrent workers take disjoint
batches without waiting for each other) and writes a `source_claim` row for each, valid for
`source_claim_seconds`. Other workers skip sources with a live claim. The claim is deleted
once the source's fetch is stored (which also moves its `next_fetch_at` on); a worker killed
mid-fetch leaves its claims to expire (at once for a dead process on the same host), and the sources,
still due, are fetched again.

The upsert only succeeds on a missing or expired claim, so on SQLite (no row locks, one
writer at a time) two processes can never both hold one source either.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import uuid

from sqlalchemy import delete, or_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from triage import db
from triage.models import Source, SourceClaim, utcnow

# One claim owner per process: host, pid and a random part (pids are reused in containers).
OWNER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
CLAIMS = SourceClaim.metadata.tables["source_claim"]


def _due(now: dt.datetime):
    live = select(SourceClaim.source_id).where(col(SourceClaim.expires_at) >= now)
    return (
        Source.enabled,
        col(Source.origin) != "adhoc",
        or_(col(Source.next_fetch_at).is_(None), col(Source.next_fetch_at) <= now),
        col(Source.id).not_in(live),
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def reap_dead_local(session: Session) -> int:
    """Drop claims of processes on this host that no longer exist (a `triage ingest` killed and
    run again must not wait for the expiry); other hosts' claims expire on their own."""
    prefix = f"{socket.gethostname()}:"
    dead = []
    for owner in set(session.exec(select(SourceClaim.owner).where(col(SourceClaim.owner).startswith(prefix)))):
        parts = owner.split(":")
        if owner != OWNER and len(parts) == 3 and parts[1].isdigit() and not _alive(int(parts[1])):
            dead.append(owner)
    if dead:
        session.execute(delete(SourceClaim).where(col(SourceClaim.owner).in_(dead)))
        session.commit()
    return len(dead)


def claim_due(session: Session, *, owner: str = OWNER, ttl_seconds: float, limit: int | None = None) -> list[Source]:
    """Claim up to `limit` due, unclaimed sources for `owner` and commit; returns them (detached)."""
    reap_dead_local(session)
    session.commit()  # end the reap's read, so the claim below starts a transaction of its own
    # SQLite has no row locks: take its write lock before choosing, so a concurrent claimer
    # waits and then chooses among what is still unclaimed, instead of choosing the same
    # sources and losing every upsert (nothing fetched twice, but nothing fetched either).
    db.begin_write(session)
    now = utcnow()
    postgres = session.get_bind().dialect.name == "postgresql"
    query = select(Source).where(*_due(now)).order_by(col(Source.next_fetch_at).is_not(None), col(Source.next_fetch_at), col(Source.id))
    if limit is not None:
        query = query.limit(limit)
    if postgres:
        query = query.with_for_update(skip_locked=True, of=Source)
    candidates = list(session.exec(query))
    insert = pg_insert if postgres else sqlite_insert
    expires = now + dt.timedelta(seconds=ttl_seconds)
    taken: list[Source] = []
    for source in candidates:
        stmt = insert(CLAIMS).values(source_id=source.id, owner=owner, claimed_at=now, expires_at=expires)
        stmt = stmt.on_conflict_do_update(
            index_elements=["source_id"],
            set_={"owner": owner, "claimed_at": now, "expires_at": expires},
            where=CLAIMS.c.expires_at < now,
        )
        if session.execute(stmt.returning(CLAIMS.c.source_id)).first() is not None:  # None: claimed by someone else meanwhile
            taken.append(source)
    for source in taken:  # detached before the commit, so they keep their loaded values
        session.expunge(source)
    session.commit()
    return taken


def release(session: Session, source_ids: list[str], *, owner: str = OWNER) -> None:
    """Give claims back (done, or shutting down): the sources are free for the next worker at once."""
    if source_ids:
        session.execute(delete(SourceClaim).where(col(SourceClaim.source_id).in_(source_ids), col(SourceClaim.owner) == owner))
        session.commit()


def held(session: Session) -> list[SourceClaim]:
    """Live claims (for health views and tests)."""
    return list(session.exec(select(SourceClaim).where(col(SourceClaim.expires_at) >= utcnow()).order_by(col(SourceClaim.source_id))))

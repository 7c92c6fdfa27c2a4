"""Claims on due sources: disjoint between workers, expiring when a worker dies, released when done."""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlmodel import Session

from tests.ingest.feedserver import Reply, add_source, item, rss
from triage import db
from triage.config import Settings
from triage.models import Source
from triage.sources import claims
from triage.sources.ingest import ingest_due


def test_two_claimers_take_disjoint_sources_and_a_dead_ones_claims_expire(migrated_db):
    for i in range(10):
        add_source(migrated_db, f"s{i}", f"http://127.0.0.1:9/{i}")
    add_source(migrated_db, "later", "http://127.0.0.1:9/later", next_fetch_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))
    engine = db.engine_for(migrated_db)
    with Session(engine) as s:
        a = {x.id for x in claims.claim_due(s, owner="a", ttl_seconds=0.5, limit=6)}
    with Session(engine) as s:
        b = {x.id for x in claims.claim_due(s, owner="b", ttl_seconds=30, limit=6)}
    assert len(a) == 6 and len(b) == 4 and not a & b and "later" not in a | b
    with Session(engine) as s:
        assert claims.claim_due(s, owner="c", ttl_seconds=30) == []  # everything due is taken
    time.sleep(0.6)  # a died: its claims run out
    with Session(engine) as s:
        c = {x.id for x in claims.claim_due(s, owner="c", ttl_seconds=30)}
    assert c == a
    with Session(engine) as s:
        claims.release(s, sorted(b), owner="a")  # not a's to release
        assert {x.source_id for x in claims.held(s)} == a | b
        claims.release(s, sorted(b), owner="b")
        assert {x.source_id for x in claims.held(s)} == a


def test_concurrent_ingest_runs_fetch_each_due_source_once(loaded_db, server):
    """Two ingestion runs at once (two workers, or a worker and the scheduler) never fetch one source twice."""
    for i in range(6):
        server.routes[f"/f{i}"] = Reply(200, rss(item(i)).encode(), delay=0.3)
        add_source(loaded_db, f"f{i}", server.url(f"/f{i}"))
    settings = Settings(database_url=loaded_db, fetch_claim_batch=3, fetch_attempts=1)
    results = []
    runs = [threading.Thread(target=lambda: results.append(ingest_due(settings))) for _ in range(2)]
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    fetched = sorted(r.source_id for summary in results for r in summary.results)
    assert fetched == [f"f{i}" for i in range(6)]
    assert all(len(server.hits(f"/f{i}")) == 1 for i in range(6))
    with Session(db.engine_for(loaded_db)) as s:
        assert claims.held(s) == []  # released once stored
        assert all(s.get(Source, f"f{i}").next_fetch_at is not None for i in range(6))

"""Scheduling: database leases, persisted jobs, the digest, and two real schedulers on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import pytest
from sqlmodel import Session, func, select

from tests.conftest import PG_SKIP, PG_URL
from tests.ingest.feedserver import Reply, add_source, item, rss
from triage import db
from triage.config import Settings
from triage.models import FetchLog, Source
from triage.schedule import lease
from triage.schedule.digest import write_digest
from triage.schedule.jobs import JOBS
from triage.schedule.runner import start
from triage.sources.ingest import ingest_due, ingest_samples

pytestmark = pytest.mark.timeout(120)


def test_lease_is_exclusive_expires_and_can_be_held(migrated_db):
    engine = db.engine_for(migrated_db)
    assert lease.acquire(engine, "job:x", "a", ttl=30)
    assert not lease.acquire(engine, "job:x", "b", ttl=30)
    assert lease.acquire(engine, "job:x", "a", ttl=30)  # re-entrant for its owner
    assert lease.renew(engine, "job:x", "a", ttl=30) and not lease.renew(engine, "job:x", "b", ttl=30)
    lease.release(engine, "job:x", "b")  # not b's to release
    assert lease.holder(engine, "job:x")[0] == "a"
    lease.release(engine, "job:x", "a")
    assert lease.holder(engine, "job:x") is None and lease.acquire(engine, "job:x", "b", ttl=0.2)
    time.sleep(0.3)  # b crashed: its lease expires and a takes over
    assert lease.acquire(engine, "job:x", "a", ttl=30) and lease.holder(engine, "job:x")[0] == "a"
    lease.release(engine, "job:x", "a", hold_seconds=30)  # done, but held past the other schedulers' firing
    assert not lease.acquire(engine, "job:x", "b", ttl=30)


def test_run_exclusive_skips_when_held(migrated_db):
    engine = db.engine_for(migrated_db)
    calls = []
    assert lease.acquire(engine, "job:y", "other", ttl=30)
    assert lease.run_exclusive(engine, "job:y", lambda: calls.append(1), ttl=30) == (False, None)
    lease.release(engine, "job:y", "other")
    assert lease.run_exclusive(engine, "job:y", lambda: calls.append(1) or "done", ttl=30) == (True, "done")
    assert calls == [1] and lease.holder(engine, "job:y") is None


def test_jobs_survive_a_restart(migrated_db):
    settings = Settings(database_url=migrated_db)
    scheduler, ids = start(settings)
    try:
        first = {j.id: j.next_run_time for j in scheduler.get_jobs()}
        assert set(ids) == set(first) == {spec.id for spec in JOBS}
        job = scheduler.get_job("poll-sources")
        assert job.coalesce and job.max_instances == 1 and job.misfire_grace_time == 300
    finally:
        scheduler.shutdown(wait=False)
    scheduler, _ = start(settings)  # a new process would do the same: the jobs come from the database
    try:
        assert {j.id: j.next_run_time for j in scheduler.get_jobs()}["daily-digest"] == first["daily-digest"]
    finally:
        scheduler.shutdown(wait=False)


def test_daily_digest(loaded_db, server, tmp_path):
    settings = Settings(database_url=loaded_db, digest_dir=tmp_path / "digests", fetch_attempts=1)
    ingest_samples(settings)
    server.routes["/feed"] = Reply(200, rss(item(1), item(2)).encode())
    server.routes["/dead"] = Reply(500)
    add_source(loaded_db, "uk-test", server.url("/feed"), member="united-kingdom", publisher="Home Office")
    add_source(loaded_db, "dead", server.url("/dead"))
    ingest_due(settings)
    path = write_digest(settings)
    text = path.read_text()
    assert path.name == f"digest-{dt.datetime.now(dt.UTC):%Y-%m-%d}.md"
    assert "72 new items" in text
    assert "| united-kingdom | 2 |" in text and "| any | 70 |" in text
    assert "| uk-test | Home Office | 2 |" in text
    assert "- dead: failing since " in text and ": HTTP 500; 1 consecutive failures" in text
    assert "- uk-test: stale since" in text  # the test feed's entries are from 2024


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason=PG_SKIP)
def test_two_scheduler_processes_never_run_the_same_job_at_once(server, tmp_path):
    """Both schedulers fire the poll job every second; the only due source answers slowly.
    Without the lease the second process would fetch it too (it is due until the first
    finishes). With it: one fetch, and the other process logs that it skipped."""
    from tests.conftest import _create_pg_database, _drop_pg_database

    url = _create_pg_database()
    try:
        db.migrate(url)
        server.routes["/slow"] = Reply(200, rss(item(1), item(2)).encode(), delay=2.5)
        add_source(url, "slow", server.url("/slow"))
        db.dispose_engines()
        far = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=12)).strftime("%H:%M")
        env = {
            **os.environ,
            "TRIAGE_DATABASE_URL": url,
            "TRIAGE_SCHEDULE_POLL_SECONDS": "1",
            "TRIAGE_DIGEST_TIME": far,
            "TRIAGE_LEASE_SECONDS": "30",
            "TRIAGE_FETCH_READ_TIMEOUT": "10",
            "COLUMNS": "200",
        }
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "triage", "schedule", "--exit-after", "7"],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        logs = [p.communicate(timeout=60) for p in procs]
        assert all(p.returncode == 0 for p in procs), logs
        assert len(server.hits("/slow")) == 1, logs
        with Session(db.engine_for(url)) as s:
            assert s.exec(select(func.count()).select_from(FetchLog)).one() == 1
            assert s.get(Source, "slow").error_count == 0
        stderr = "".join(err for _, err in logs)
        assert "job:poll-sources skipped: lease held by" in stderr  # they did contend
        ran = [err for _, err in logs if "poll: 1 sources" in err]
        assert len(ran) == 1
    finally:
        db.dispose_engines()
        _drop_pg_database(url)

"""/healthz and /metrics: no login, nothing secret, 503 with reasons, counts that move."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from triage import db
from triage.config import Settings
from triage.models import Heartbeat, utcnow
from triage.schedule import heartbeat
from triage.schedule.worker import Worker
from triage.sources.ingest import ingest_samples
from triage.vocab import ProcessKind
from triage.web import create_app


def samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


@pytest.fixture
def client(loaded_db):
    with TestClient(create_app(Settings(database_url=loaded_db))) as c:
        yield c


def test_healthz_503_with_reasons_when_the_scheduler_is_stale_200_otherwise(client, loaded_db):
    engine = db.engine_for(loaded_db)
    r = client.get("/healthz")
    assert r.status_code == 503  # no scheduler has ever run
    assert any(reason.startswith("scheduler: no scheduler") for reason in r.json()["reasons"])

    heartbeat.beat(engine, "host:1:abc", ProcessKind.SCHEDULER, utcnow())
    r = client.get("/healthz")
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["status"] == "ok" and body["reasons"] == []
    assert set(body["checks"]) == {"database", "migrations", "scheduler", "sources", "llm_budget"}
    assert body["checks"]["migrations"]["current"] == db.head_revision()

    with engine.begin() as conn:
        conn.execute(Heartbeat.__table__.update().values(beat_at=utcnow() - dt.timedelta(minutes=10)))
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json()["reasons"] == ["scheduler: last scheduler heartbeat 600 s ago (limit 180 s)"]
    assert "sqlite" not in r.text.replace('"reachable (sqlite)"', "") and "postgresql://" not in r.text and "password" not in r.text


def test_healthz_reports_failing_sources_and_an_exhausted_budget(loaded_db):
    from tests.ingest.feedserver import add_source

    add_source(loaded_db, "dead", "http://127.0.0.1:9/feed")
    with db.engine_for(loaded_db).begin() as conn:
        conn.exec_driver_sql("UPDATE source SET error_count = 3")
    heartbeat.beat(db.engine_for(loaded_db), "s", ProcessKind.SCHEDULER, utcnow())
    settings = Settings(database_url=loaded_db, llm_base_url="http://127.0.0.1:9/v1", llm_daily_token_budget=0)
    with TestClient(create_app(settings)) as c:
        r = c.get("/healthz")
    assert r.status_code == 503
    reasons = r.json()["reasons"]
    assert reasons[0] == "sources: 1 of 1 sources failing (limit 50%)"
    assert reasons[1].startswith("llm_budget:")
    assert "127.0.0.1:9" not in r.text  # no source or endpoint URL


def test_metrics_parse_and_counts_change_after_a_run(client, loaded_db):
    before = samples(client.get("/metrics").text)
    assert client.get("/metrics").headers["content-type"].startswith("text/plain")
    settings = Settings(database_url=loaded_db)
    ingest_samples(settings)
    stats = Worker(settings, fetch=False, backend="rules").run(exit_when_idle=True)
    assert stats.items == 70
    after = samples(client.get("/metrics").text)

    def value(found, name, **labels):
        return found.get((name, tuple(sorted(labels.items()))), 0)

    assert value(after, "triage_items_classified_total", backend="rules", outcome="classified") > value(
        before, "triage_items_classified_total", backend="rules", outcome="classified"
    )
    assert value(before, "triage_items", state="classified") == 0 and value(after, "triage_items", state="classified") > 0
    assert value(after, "triage_review_queue", commitment="19") > 0
    assert ("triage_llm_request_seconds_bucket", (("le", "0.05"),)) in after  # the histograms are there


def test_metrics_add_up_across_processes(migrated_db, tmp_path):
    """TRIAGE_METRICS_DIR: a worker process counts, the web app's process reports its counts."""
    from tests.deploy.conftest import load_catalogue_into

    load_catalogue_into(migrated_db)
    ingest_samples(Settings(database_url=migrated_db))
    env = {**os.environ, "TRIAGE_DATABASE_URL": migrated_db, "TRIAGE_METRICS_DIR": str(tmp_path / "metrics"), "TRIAGE_LOG_FORMAT": "json"}
    done = subprocess.run(
        [sys.executable, "-m", "triage", "worker", "--no-fetch", "--backend", "rules", "--exit-when-idle", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["items"] == 70
    logged = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert any(line["message"].startswith("worker ") and line["level"] == "INFO" for line in logged)  # JSON logs
    script = "from triage import metrics; import sys; sys.stdout.write(metrics.exposition()[0].decode())"
    shown = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    found = samples(shown.stdout)
    assert found[("triage_items_classified_total", (("backend", "rules"), ("outcome", "classified")))] > 0


def test_a_second_worker_on_sqlite_is_refused(migrated_db, cli):
    from triage.schedule import lease
    from triage.schedule.worker import SQLITE_LEASE

    if not migrated_db.startswith("sqlite"):
        pytest.skip("SQLite only")
    assert lease.acquire(db.engine_for(migrated_db), SQLITE_LEASE, "other-host:42:abcd", 60)
    r = cli("worker", "--exit-when-idle")
    assert r.code == 2
    assert "another worker is already running on this SQLite database (held by other-host:42:abcd" in r.err
    assert "PostgreSQL" in r.err

"""Several worker processes on one PostgreSQL: the work is shared, done once, and survives kill -9."""

from __future__ import annotations

import signal
import time

import pytest
from sqlalchemy import func, select

from tests.deploy.conftest import queue_items, start_worker
from triage import db
from triage.models import Item, Suggestion
from triage.testing.fake_openai import FakeOpenAI, quoting_responder

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(1200)]

FINAL = ("classified", "not_relevant", "not_candidate")


def counts(url: str) -> dict[str, int]:
    with db.engine_for(url).connect() as conn:
        return dict(conn.execute(select(Item.status, func.count()).group_by(Item.status)).all())


def wait_until(predicate, timeout: float, what: str, procs=()) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        for p in procs:
            if p.poll() not in (None, -9):
                raise AssertionError(f"a worker exited with {p.returncode} while waiting for {what}: {p.err[-3000:]}")
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {counts_cache}"
        time.sleep(0.5)


counts_cache: dict = {}


def worker_env(url: str, server: FakeOpenAI) -> dict[str, str]:
    return {
        "TRIAGE_DATABASE_URL": url,
        "TRIAGE_BACKEND": "llm",
        "TRIAGE_LLM_BASE_URL": server.base_url,
        "TRIAGE_LLM_API_KEY": "sk-test-0000",
        "TRIAGE_LLM_MODEL": "gpt-4o-mini",
        "TRIAGE_LLM_TIMEOUT_SECONDS": "30",
        "TRIAGE_CLASSIFY_LEASE_MINUTES": "0.25",  # a killed worker's items come back after 15 s
        "TRIAGE_WORKER_IDLE_SECONDS": "0.5",
        "TRIAGE_HEARTBEAT_SECONDS": "1",
    }


def assert_each_classified_once(url: str, n: int) -> None:
    with db.engine_for(url).connect() as conn:
        statuses = dict(conn.execute(select(Item.status, func.count()).group_by(Item.status)).all())
        per_item = conn.execute(select(Suggestion.item_id, func.count()).group_by(Suggestion.item_id)).all()
    assert statuses == {"classified": n}, statuses
    assert len(per_item) == n and {c for _, c in per_item} == {1}  # one suggestion each: nobody stored an item twice


def test_four_workers_share_5000_items_and_survive_kill_9(pg_loaded, tmp_path):
    url, n = pg_loaded, 5000
    queue_items(url, n)
    with FakeOpenAI(latency=0.02, default=quoting_responder()) as server:
        env = worker_env(url, server)
        procs = [start_worker(env, tmp_path, "--concurrency", "4", "--no-fetch") for _ in range(4)]
        try:

            def done_at_least(k: int):
                def check() -> bool:
                    counts_cache.update(counts(url))
                    return counts_cache.get("classified", 0) >= k

                return check

            wait_until(done_at_least(n // 5), 600, "a fifth of the items", procs)
            procs[0].send_signal(signal.SIGKILL)  # mid-run: it holds claimed items, some in flight
            procs[0].wait(timeout=30)
            wait_until(done_at_least(n), 900, "every item", procs[1:])
        finally:
            for p in procs[1:]:
                p.send_signal(signal.SIGTERM)
            for p in procs[1:]:
                p.wait(timeout=120)
        assert procs[0].returncode == -9
        assert [p.returncode for p in procs[1:]] == [0, 0, 0], [p.err[-2000:] for p in procs]
        requests = len(server.requests)
    assert_each_classified_once(url, n)
    # Each item was asked about once, but for those the killed worker had in flight or unsaved
    # (at most its claim window of 4 x concurrency): asked again after its claims ran out.
    assert n <= requests <= n + 16, requests
    assert all("Worker stopped" in p.out for p in procs[1:])  # SIGTERM: the round finished, clean exit

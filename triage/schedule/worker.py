"""The worker: a loop that fetches due sources and classifies queued items, until told to stop.

Several workers (processes, containers: `docker compose up --scale worker=N`) share one
PostgreSQL database safely because every unit of work is claimed first: due sources through
`source_claim` (triage.sources.claims) and items through their status and lease
(triage.classify.service), both with `SELECT ... FOR UPDATE SKIP LOCKED`, both with expiry,
so nothing is done twice and a killed worker's work is picked up once its claims run out.

SQLite has one writer and no row locks: a second worker on the same SQLite file is refused
(a lease held for the worker's lifetime). The loop works in bounded rounds
(`worker_batch` items, `fetch_claim_batch` sources), so on SIGTERM it finishes the round in
hand, releases its source claims and exits; a second signal stops at once and leaves the
rest to claim expiry.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from triage import db, metrics
from triage.classify.base import Classifier
from triage.classify.service import classify_pending
from triage.config import Settings
from triage.errors import ConfigError, TriageError
from triage.schedule import lease
from triage.schedule.heartbeat import Beating
from triage.sources.ingest import ingest_due, require_database
from triage.vocab import ProcessKind

log = logging.getLogger(__name__)
SQLITE_LEASE = "worker:sqlite"


@dataclass
class WorkerStats:
    rounds: int = 0
    sources: int = 0  # sources fetched
    new_items: int = 0
    items: int = 0  # items taken from the classification queue
    suggestions: int = 0
    errors: int = 0  # rounds that failed (logged) and were retried


class Worker:
    def __init__(
        self,
        settings: Settings,
        *,
        concurrency: int | None = None,
        fetch: bool = True,
        classify: bool = True,
        backend: Classifier | str | None = None,
        stop: threading.Event | None = None,
        owner: str = lease.OWNER,
    ):
        self.settings = settings
        self.concurrency = concurrency
        self.fetch = fetch
        self.classify = classify
        self.backend = backend
        self.stop = stop or threading.Event()
        self.owner = owner
        self.stats = WorkerStats()
        self.engine = db.engine_for(settings.database_url)

    # --- one round -------------------------------------------------------------------------
    def round(self) -> int:
        """Fetch one batch of due sources and classify one batch of items; returns the work done."""
        done = 0
        if self.fetch and not self.stop.is_set():
            summary = ingest_due(self.settings)
            metrics.record_ingest(summary.results)
            self.stats.sources += len(summary.results)
            self.stats.new_items += summary.total("new")
            done += len(summary.results)
        if self.classify and not self.stop.is_set():
            result = classify_pending(self.settings, backend=self.backend, limit=self.settings.worker_batch, concurrency=self.concurrency)
            metrics.record_classification(result)
            self.stats.items += result.items
            self.stats.suggestions += result.suggestions
            if result.stopped or result.paused:
                log.warning("classification %s: %s", "stopped" if result.stopped else "paused", result.stopped or result.paused)
                return done  # nothing more to do until the budget resets or the endpoint is fixed
            done += result.items
        return done

    # --- the loop --------------------------------------------------------------------------
    def run(self, *, exit_when_idle: bool = False) -> WorkerStats:
        require_database(self.settings.database_url)
        db.require_schema(self.settings.database_url)
        if self.engine.dialect.name == "sqlite":
            ttl = max(30, 3 * self.settings.heartbeat_seconds)
            if not lease.acquire(self.engine, SQLITE_LEASE, self.owner, ttl):
                held = lease.holder(self.engine, SQLITE_LEASE)
                who = f" (held by {held[0]} until {held[1]:%H:%M:%S} UTC)" if held else ""
                raise ConfigError(
                    f"another worker is already running on this SQLite database{who}: SQLite has a single writer, so run one worker, "
                    "or move to PostgreSQL (TRIAGE_DATABASE_URL=postgresql://...) to run several"
                )
            ran, stats = lease.run_exclusive(self.engine, SQLITE_LEASE, lambda: self._loop(exit_when_idle), ttl, owner=self.owner)
            return stats or self.stats
        return self._loop(exit_when_idle)

    def _loop(self, exit_when_idle: bool) -> WorkerStats:
        log.info("worker %s started (fetch: %s, classify: %s)", self.owner, self.fetch, self.classify)
        with Beating(self.engine, self.owner, ProcessKind.WORKER, self.settings.heartbeat_seconds):
            while not self.stop.is_set():
                try:
                    done = self.round()
                except (ConfigError, KeyboardInterrupt):
                    raise
                except TriageError as exc:
                    log.error("worker round failed: %s", exc)
                    self.stats.errors += 1
                    done = 0
                except Exception:  # a database restart or a bug in one round must not end the worker
                    log.exception("worker round failed; retrying after %s s", self.settings.worker_idle_seconds)
                    self.stats.errors += 1
                    done = 0
                self.stats.rounds += 1
                if not done:
                    if exit_when_idle:
                        break
                    self.stop.wait(self.settings.worker_idle_seconds)
        log.info(
            "worker %s stopped: %d rounds, %d sources fetched, %d items classified",
            self.owner,
            self.stats.rounds,
            self.stats.sources,
            self.stats.items,
        )
        return self.stats

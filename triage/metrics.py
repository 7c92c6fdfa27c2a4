"""Prometheus metrics: what the processes count, in one place, for /metrics.

Counters and histograms are prometheus-client's. With `TRIAGE_METRICS_DIR` set, the library
runs in its multiprocess mode (each process writes its values to files in that directory and
/metrics adds them up), which is what several uvicorn workers, or workers and the web app on
one host sharing a volume, need. The directory must be set before prometheus-client is first
imported, so this module sets the library's own variable from Triage's setting and is the only
module that imports it. Figures the database already knows exactly (queue sizes, decisions,
heartbeats) are read at scrape time instead (triage.schedule.health.DatabaseCollector).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_DIR = os.environ.get("TRIAGE_METRICS_DIR")
if _DIR:
    Path(_DIR).mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", _DIR)

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, values  # noqa: E402
from prometheus_client.registry import Collector  # noqa: E402

if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    # Files are named by process; containers sharing the directory all have small pids (a
    # worker is often pid 1), so the host name is part of the name.
    values.ValueClass = values.MultiProcessValue(lambda: f"{socket.gethostname()}-{os.getpid()}")

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

ITEMS_FETCHED = Counter("triage_items_fetched", "New items stored by ingestion, per source.", ["source"])
FETCHES = Counter("triage_fetches", "Source fetches, by outcome (ok, not_modified, error, parse_error).", ["outcome"])
SOURCE_FAILURES = Counter("triage_source_failures", "Failed fetches, per source.", ["source"])
FETCH_SECONDS = Histogram("triage_fetch_seconds", "Duration of one source fetch, retries included.", buckets=LATENCY_BUCKETS)
ITEMS_CLASSIFIED = Counter(
    "triage_items_classified", "Items through classification, by backend and outcome (classified, not_relevant, failed...).", ["backend", "outcome"]
)
LLM_REQUESTS = Counter("triage_llm_requests", "Requests to the LLM endpoint, by outcome.", ["outcome"])
LLM_TOKENS = Counter("triage_llm_tokens", "LLM tokens, by direction (in, out).", ["direction"])
LLM_COST = Counter("triage_llm_cost_usd", "Estimated LLM cost (USD).")
LLM_SECONDS = Histogram("triage_llm_request_seconds", "Latency of one LLM request.", buckets=LATENCY_BUCKETS)


def multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def record_ingest(results: Iterable[Any]) -> None:
    """Count one ingestion run's per-source results (triage.sources.ingest.SourceResult)."""
    for r in results:
        FETCHES.labels(str(r.outcome)).inc()
        FETCH_SECONDS.observe(r.duration_ms / 1000)
        if r.new:
            ITEMS_FETCHED.labels(r.source_id).inc(r.new)
        if r.failed:
            SOURCE_FAILURES.labels(r.source_id).inc()


def record_classification(summary: Any) -> None:
    """Count one classification run (triage.classify.service.Summary)."""
    for outcome in ("not_candidate", "classified", "not_relevant", "failed", "released"):
        n = getattr(summary, outcome)
        if n:
            ITEMS_CLASSIFIED.labels(summary.backend, outcome).inc(n)
    if summary.tokens_in:
        LLM_TOKENS.labels("in").inc(summary.tokens_in)
    if summary.tokens_out:
        LLM_TOKENS.labels("out").inc(summary.tokens_out)
    if summary.cost_usd:
        LLM_COST.inc(summary.cost_usd)


def observe_llm_call(outcome: str, latency_ms: int) -> None:
    """One LLM request as logged (every attempt, whatever its outcome)."""
    LLM_REQUESTS.labels(str(outcome)).inc()
    LLM_SECONDS.observe(latency_ms / 1000)


def exposition(*extra: Collector) -> tuple[bytes, str]:
    """The text exposition of every process's counters (one process's, outside multiprocess mode)
    and of the `extra` collectors; with its content type."""
    from prometheus_client import multiprocess as mp

    registry = CollectorRegistry()
    if multiprocess():
        mp.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    if extra:
        own = CollectorRegistry()
        for collector in extra:
            own.register(collector)
        body += generate_latest(own)
    return body, CONTENT_TYPE_LATEST


def mark_process_dead(pid: int) -> None:
    """Forget a finished process's live gauges (multiprocess mode; counters are kept)."""
    if multiprocess():
        from prometheus_client import multiprocess as mp

        mp.mark_process_dead(pid)

"""The scheduler's jobs: one small registry, so adding a job is one entry here.

Polling is one job that runs every `schedule_poll_seconds` and fetches the sources
that are due, rather than one job per source: each source's interval and its back-off
after failures live in the `source` table (`next_fetch_at`), so a source added with
`triage feeds add`, disabled, or failing needs no job to be created, rescheduled or
removed, and the persisted job store stays a fixed, small set.

Classification is its own job: it takes whatever polling stored since (and failed items
due for a retry), so a slow model never delays the next poll, and several workers on one
PostgreSQL share the queue safely (items are claimed, see triage.classify.service).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from triage import db, metrics
from triage.config import Settings
from triage.schedule.lease import run_exclusive

log = logging.getLogger(__name__)

# Interval triggers start at a fixed instant so every scheduler process fires at the same
# moments; the lease then lets exactly one of them run each firing.
ANCHOR = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function": the persisted job store keeps a reference, not code
    trigger: Callable[[Settings], BaseTrigger]
    description: str


def _settings() -> Settings:
    return Settings()


def poll_sources() -> None:
    from triage.sources.ingest import ingest_due

    settings = _settings()

    def run():
        summary = ingest_due(settings)
        metrics.record_ingest(summary.results)
        j = summary.as_json()
        log.info("poll: %d sources, %d failed, %d new items, %d duplicates", j["sources"], j["failed"], j["new"], j["duplicates"])
        return summary

    run_exclusive(
        db.engine_for(settings.database_url), "job:poll-sources", run, settings.lease_seconds, hold_seconds=settings.schedule_poll_seconds / 2
    )


def classify_new() -> None:
    from triage.classify.service import classify_pending

    settings = _settings()

    def run():
        summary = classify_pending(settings)
        metrics.record_classification(summary)
        log.info(
            "classify: %d items, %d suggestions, %d failed%s",
            summary.items,
            summary.suggestions,
            summary.failed,
            f"; paused: {summary.paused}" if summary.paused else "",
        )
        return summary

    run_exclusive(
        db.engine_for(settings.database_url), "job:classify-new", run, settings.lease_seconds, hold_seconds=settings.schedule_classify_seconds / 2
    )


def daily_digest() -> None:
    from triage.schedule.digest import write_digest

    settings = _settings()
    run_exclusive(
        db.engine_for(settings.database_url), "job:daily-digest", lambda: write_digest(settings), settings.lease_seconds, hold_seconds=12 * 3600
    )


def retrain_learned() -> None:
    from triage.classify.learned.service import retrain_if_due

    settings = _settings()
    run_exclusive(
        db.engine_for(settings.database_url), "job:retrain-learned", lambda: retrain_if_due(settings), settings.lease_seconds, hold_seconds=12 * 3600
    )


def _learn_trigger(s: Settings) -> BaseTrigger:
    hour, minute = (int(x) for x in s.learn_time.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=dt.UTC)


def _digest_trigger(s: Settings) -> BaseTrigger:
    hour, minute = (int(x) for x in s.digest_time.split(":"))
    return CronTrigger(hour=hour, minute=minute, timezone=dt.UTC)


JOBS: list[JobSpec] = [
    JobSpec(
        "poll-sources",
        "triage.schedule.jobs:poll_sources",
        lambda s: IntervalTrigger(seconds=s.schedule_poll_seconds, start_date=ANCHOR, timezone=dt.UTC),
        "fetch every due source once",
    ),
    JobSpec(
        "classify-new",
        "triage.schedule.jobs:classify_new",
        lambda s: IntervalTrigger(seconds=s.schedule_classify_seconds, start_date=ANCHOR + dt.timedelta(seconds=30), timezone=dt.UTC),
        "classify new items and retry failed ones",
    ),
    JobSpec("daily-digest", "triage.schedule.jobs:daily_digest", _digest_trigger, "new items by member and source, failing sources"),
    JobSpec(
        "retrain-learned",
        "triage.schedule.jobs:retrain_learned",
        _learn_trigger,
        "retrain the learned model when enough new decisions exist",
    ),
]


def run_all_once() -> None:
    """Each job once, now, through its lease (`triage schedule --once`)."""
    for spec in JOBS:
        module, name = spec.func.split(":")
        getattr(__import__(module, fromlist=[name]), name)()

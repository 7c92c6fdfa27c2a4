"""Building and running the APScheduler 3 scheduler on the Triage database."""

from __future__ import annotations

import logging
import signal
import threading
import time

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from triage import db
from triage.config import Settings
from triage.errors import TriageError
from triage.schedule import lease
from triage.schedule.heartbeat import Beating
from triage.schedule.jobs import JOBS
from triage.vocab import ProcessKind

log = logging.getLogger(__name__)
JOB_TABLE = "apscheduler_jobs"  # created by APScheduler itself, beside Triage's tables


def build_scheduler(settings: Settings) -> BackgroundScheduler:
    return BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=db.engine_for(settings.database_url), tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(4)},
        # coalesce: runs missed while down become one; max_instances: a job never overlaps itself;
        # misfire grace: a run late by more than this is skipped (the next one comes soon).
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
        timezone="UTC",
    )


def sync_jobs(scheduler: BackgroundScheduler, settings: Settings) -> list[str]:
    """Make the persisted jobs match the registry, keeping the stored next run time of a
    job whose trigger is unchanged (so a run missed while stopped is caught up once)."""
    stored = {job.id: job for job in scheduler.get_jobs()}
    for spec in JOBS:
        trigger = spec.trigger(settings)
        job = stored.pop(spec.id, None)
        if job is not None and str(job.trigger) == str(trigger) and job.func_ref == spec.func:
            continue
        scheduler.add_job(spec.func, trigger=trigger, id=spec.id, name=spec.description, replace_existing=True)
    for job_id in stored:  # jobs no longer in the registry
        scheduler.remove_job(job_id)
    return [spec.id for spec in JOBS]


def start(settings: Settings) -> tuple[BackgroundScheduler, list[str]]:
    """Start a scheduler with the registry's jobs. Two processes starting at once would
    race to create the job table and insert the same jobs: startup holds a lease."""
    engine = db.engine_for(settings.database_url)
    deadline = time.monotonic() + 60
    while not lease.acquire(engine, "scheduler:startup", lease.OWNER, 30):
        if time.monotonic() > deadline:
            raise TriageError("another scheduler has been starting for a minute: is it stuck?")
        time.sleep(0.2)
    try:
        scheduler = build_scheduler(settings)
        scheduler.start(paused=True)
        ids = sync_jobs(scheduler, settings)
        scheduler.resume()
    finally:
        lease.release(engine, "scheduler:startup", lease.OWNER)
    return scheduler, ids


def run_forever(settings: Settings, stop: threading.Event | None = None, exit_after: float | None = None) -> None:
    """Run in the foreground until SIGINT/SIGTERM (or `exit_after` seconds)."""
    stop = stop or threading.Event()
    scheduler, ids = start(settings)
    for job in scheduler.get_jobs():
        log.info("job %s: next run %s", job.id, job.next_run_time)
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    log.info("scheduler running: %s", ", ".join(ids))
    try:
        with Beating(db.engine_for(settings.database_url), lease.OWNER, ProcessKind.SCHEDULER, settings.heartbeat_seconds):
            stop.wait(exit_after)
    finally:
        scheduler.shutdown(wait=True)

"""The deployment's health (/healthz) and the figures /metrics reads from the database.

Health is a list of named checks, each ok or failing with a reason a person can act on:
the database answers, its schema is current, a scheduler has beaten recently, not too many
sources are failing, the LLM budget has room. Nothing secret is reported: no URL, no
credential, no error text from a source, only counts, ages and revisions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from triage import db
from triage.config import Settings
from triage.models import CommitmentRow, Decision, Heartbeat, Item, Source, Suggestion, utcnow
from triage.schedule import heartbeat
from triage.vocab import HealthCheck, ProcessKind


@dataclass
class Check:
    name: HealthCheck
    ok: bool
    detail: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Health:
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "failing",
            "reasons": [f"{c.name}: {c.detail}" for c in self.checks if not c.ok],
            "checks": {str(c.name): {"ok": c.ok, "detail": c.detail, **c.data} for c in self.checks},
        }


def _database(engine: Engine) -> Check:
    try:
        with engine.connect() as conn:
            conn.execute(select(1))
    except Exception as exc:  # the reason, without the URL or credentials
        return Check(HealthCheck.DATABASE, False, f"unreachable ({type(exc).__name__})")
    return Check(HealthCheck.DATABASE, True, f"reachable ({engine.dialect.name})")


def _migrations(url: str) -> Check:
    current, head = db.current_revision(url), db.head_revision()
    data = {"current": current, "head": head}
    if current != head:
        return Check(HealthCheck.MIGRATIONS, False, f"schema at {current}, code expects {head}: run `triage init`", data)
    return Check(HealthCheck.MIGRATIONS, True, f"schema at {head}", data)


def _scheduler(engine: Engine, settings: Settings, now: dt.datetime) -> Check:
    last = heartbeat.newest(engine, ProcessKind.SCHEDULER)
    limit = settings.health_heartbeat_max_seconds
    if last is None:
        return Check(HealthCheck.SCHEDULER, False, "no scheduler has ever run (start `triage schedule`)", {"age_seconds": None})
    age = max(0.0, (now - last).total_seconds())
    data = {"age_seconds": round(age, 1), "max_seconds": limit}
    if age > limit:
        return Check(HealthCheck.SCHEDULER, False, f"last scheduler heartbeat {age:.0f} s ago (limit {limit} s)", data)
    return Check(HealthCheck.SCHEDULER, True, f"last heartbeat {age:.0f} s ago", data)


def _sources(session: Session, settings: Settings) -> Check:
    enabled = session.exec(select(func.count()).select_from(Source).where(Source.enabled, Source.origin != "adhoc")).one()
    failing = session.exec(select(func.count()).select_from(Source).where(Source.enabled, Source.origin != "adhoc", Source.error_count > 0)).one()
    data = {"enabled": enabled, "failing": failing}
    share = failing / enabled if enabled else 0.0
    if share > settings.health_failing_sources_max:
        return Check(HealthCheck.SOURCES, False, f"{failing} of {enabled} sources failing (limit {settings.health_failing_sources_max:.0%})", data)
    return Check(HealthCheck.SOURCES, True, f"{failing} of {enabled} sources failing", data)


def _budget(session: Session, settings: Settings) -> Check:
    from triage.classify.llm.budget import Budget

    if not settings.llm_configured:
        return Check(HealthCheck.LLM_BUDGET, True, "no LLM configured")
    budget = Budget.from_settings(settings, session)
    data: dict[str, Any] = {"tokens_left": None, "cost_left_usd": None}
    if budget.tokens is not None:
        data["tokens_left"] = max(0, budget.tokens - budget.spent_tokens)
    if budget.cost_usd is not None:
        data["cost_left_usd"] = round(max(0.0, budget.cost_usd - budget.spent_cost), 4)
    reason = budget.exhausted_reason()
    if reason:
        return Check(HealthCheck.LLM_BUDGET, False, reason, data)
    return Check(HealthCheck.LLM_BUDGET, True, "within today's budget" if budget.limited else "no daily budget set", data)


def check(settings: Settings) -> Health:
    url = settings.database_url
    engine = db.engine_for(url)
    first = _database(engine)
    if not first.ok:
        return Health([first])
    checks = [first, _migrations(url)]
    if not checks[-1].ok:
        return Health(checks)
    with Session(engine) as session:
        checks += [_scheduler(engine, settings, utcnow()), _sources(session, settings), _budget(session, settings)]
    return Health(checks)


class DatabaseCollector(Collector):
    """Gauges read from the database at scrape time: exact whatever process did the work."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def collect(self) -> Iterator[GaugeMetricFamily]:
        engine = db.engine_for(self.settings.database_url)
        with Session(engine) as s:
            items = GaugeMetricFamily("triage_items", "Items in the database, by state.", labels=["state"])
            for state, n in s.exec(select(Item.status, func.count()).group_by(Item.status)):
                items.add_metric([state], n)
            yield items
            queue = GaugeMetricFamily("triage_review_queue", "Suggestions waiting for review, per commitment.", labels=["commitment"])
            pending = (
                select(CommitmentRow.number, func.count())
                .select_from(Suggestion)
                .join(CommitmentRow, col(CommitmentRow.id) == col(Suggestion.commitment_id))
            )
            for number, n in s.exec(pending.where(Suggestion.status == "pending").group_by(col(CommitmentRow.number))):
                queue.add_metric([str(number)], n)
            yield queue
            decisions = GaugeMetricFamily("triage_decisions", "Analysts' decisions recorded, by action.", labels=["action"])
            for action, n in s.exec(select(Decision.action, func.count()).group_by(Decision.action)):
                decisions.add_metric([action], n)
            yield decisions
            failing = GaugeMetricFamily("triage_source_consecutive_failures", "Consecutive failed fetches, per failing source.", labels=["source"])
            for source_id, n in s.exec(select(Source.id, Source.error_count).where(Source.enabled, Source.error_count > 0)):
                failing.add_metric([source_id], n)
            yield failing
            now = utcnow()
            alive = GaugeMetricFamily("triage_processes_alive", "Schedulers and workers heard from recently.", labels=["kind"])
            age = GaugeMetricFamily("triage_heartbeat_age_seconds", "Seconds since the newest heartbeat, per kind.", labels=["kind"])
            cutoff = now - dt.timedelta(seconds=self.settings.health_heartbeat_max_seconds)
            for kind in ProcessKind:
                alive.add_metric(
                    [str(kind)],
                    s.exec(select(func.count()).select_from(Heartbeat).where(Heartbeat.kind == str(kind), Heartbeat.beat_at >= cutoff)).one(),
                )
                last = heartbeat.newest(engine, kind)
                if last is not None:
                    age.add_metric([str(kind)], max(0.0, (now - last).total_seconds()))
            yield alive
            yield age

"""The health view: for each source, whether it works, when it last did, and when it is next asked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from triage.models import FetchLog, Sighting, Source

OK_OUTCOMES = ("ok", "not_modified")


@dataclass
class SourceHealth:
    id: str
    member: str | None
    publisher: str
    kind: str
    origin: str
    enabled: bool
    status: str  # ok | failing | never fetched | disabled
    last_fetch_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_status: int | None
    error_count: int
    last_error: str | None
    next_fetch_at: dt.datetime | None
    items: int
    url: str

    def as_json(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in self.__dict__.items()}


def health(session: Session, include_adhoc: bool = False) -> list[SourceHealth]:
    last_ok = dict(
        session.execute(
            select(FetchLog.source_id, func.max(FetchLog.started_at)).where(FetchLog.outcome.in_(OK_OUTCOMES)).group_by(FetchLog.source_id)
        ).all()
    )
    items = dict(session.execute(select(Sighting.source_id, func.count(func.distinct(Sighting.item_id))).group_by(Sighting.source_id)).all())
    query = select(Source).order_by(Source.member, Source.id)
    if not include_adhoc:
        query = query.where(Source.origin != "adhoc")
    rows = []
    for s in session.exec(query).scalars():
        if not s.enabled:
            status = "disabled"
        elif s.error_count:
            status = "failing"
        elif s.last_fetch_at is None:
            status = "never fetched"
        else:
            status = "ok"
        success = last_ok.get(s.id)
        if success is not None and success.tzinfo is None:  # raw SQL aggregate: no type decorator applied
            success = success.replace(tzinfo=dt.UTC)
        rows.append(
            SourceHealth(
                s.id,
                s.member,
                s.publisher,
                s.kind,
                s.origin,
                s.enabled,
                status,
                s.last_fetch_at,
                success,
                s.last_status,
                s.error_count,
                s.last_error,
                s.next_fetch_at,
                items.get(s.id, 0),
                s.url,
            )
        )
    return rows


@dataclass
class CheckResult:
    id: str
    url: str
    outcome: str
    http_status: int | None
    entries: int
    newest: dt.datetime | None
    error: str | None
    bozo: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.outcome in OK_OUTCOMES

    def as_json(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in self.__dict__.items()}


def check_sources(settings, source_ids: list[str] | None = None, transport=None) -> list[CheckResult]:
    """Fetch each source once (unconditionally) and parse it; stores nothing."""
    from triage import db
    from triage.errors import InputError
    from triage.sources.fetcher import Fetcher
    from triage.sources.parser import parse_feed

    with Session(db.engine_for(settings.database_url)) as session:
        query = select(Source).where(Source.origin != "adhoc").order_by(Source.id)
        if source_ids:
            query = select(Source).where(Source.id.in_(source_ids))
        else:
            query = query.where(Source.enabled)
        sources = {s.id: s.url for s in session.exec(query).scalars()}
    unknown = set(source_ids or []) - set(sources)
    if unknown:
        raise InputError(f"unknown source: {', '.join(sorted(unknown))} (see `triage feeds list`)")
    results = []
    with Fetcher(settings, transport=transport) as fetcher:
        for sid, fetched in fetcher.fetch_many((sid, url, None, None) for sid, url in sources.items()):
            entries, newest, bozo, outcome, error = 0, None, None, fetched.outcome, fetched.error
            if fetched.outcome == "ok":
                parsed = parse_feed(fetched.content, fetched.content_type, fetched.final_url)
                bozo, entries = parsed.bozo, len(parsed.entries)
                dates = [e.published for e in parsed.entries if e.published]
                newest = max(dates) if dates else None
                if not parsed.is_feed:
                    outcome, error = "parse_error", "not a feed: no RSS, Atom or RDF found"
            results.append(CheckResult(sid, sources[sid], outcome, fetched.status, entries, newest, error, bozo, fetched.duration_ms))
    return sorted(results, key=lambda r: r.id)

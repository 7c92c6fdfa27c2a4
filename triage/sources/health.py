"""The health view: for each source, whether it works, when it last did, and when it is next asked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session, col

from triage.models import FetchLog, Sighting, Source
from triage.vocab import SourceHealthStatus as H

OK_OUTCOMES = ("ok", "not_modified")
BLOCKING_STATUSES = (401, 403, 429)


def judge(
    *,
    outcome: str,
    status: int | None,
    error: str | None,
    empty: str | None,
    not_a_feed: str | None,
    newest: dt.datetime | None,
    stale_days: int,
    now: dt.datetime,
) -> tuple[H, str | None]:
    """The health a look at a source earns, with the reason. Never `ok` when nothing usable came."""
    if outcome == "error" and status in BLOCKING_STATUSES:
        return H.BLOCKED, f"HTTP {status}: the site refuses automated clients" if status != 429 else f"HTTP {status}: rate limited"
    if not_a_feed:
        return H.NOT_A_FEED, not_a_feed
    if outcome in ("error", "parse_error"):
        return H.FAILING, error or outcome
    if empty:
        return H.EMPTY, empty
    if newest is not None and now - newest > dt.timedelta(days=stale_days):
        age = (now - newest).days
        return H.STALE, f"newest entry {newest:%Y-%m-%d}, {age} days old (usual cadence {stale_days} days)"
    return H.OK, None


@dataclass
class SourceHealth:
    id: str
    member: str | None
    publisher: str
    kind: str
    origin: str
    enabled: bool
    status: str  # ok | empty | stale | not_a_feed | blocked | failing | never fetched | disabled
    reason: str | None
    health_since: dt.datetime | None
    format: str
    office: str | None
    members: list[str] | None
    note: str | None
    verification: str | None
    verified_on: dt.date | None
    evidence: str | None
    last_fetch_at: dt.datetime | None
    last_success_at: dt.datetime | None
    last_status: int | None
    error_count: int
    last_error: str | None
    next_fetch_at: dt.datetime | None
    items: int
    url: str

    def as_json(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.__dict__.items()}


def health(session: Session, include_adhoc: bool = False) -> list[SourceHealth]:
    ok_query = (
        select(col(FetchLog.source_id), func.max(col(FetchLog.started_at)))
        .where(col(FetchLog.outcome).in_(OK_OUTCOMES))
        .group_by(col(FetchLog.source_id))
    )
    last_ok: dict[str, dt.datetime] = {sid: at for sid, at in session.execute(ok_query).all()}
    items_query = select(col(Sighting.source_id), func.count(func.distinct(col(Sighting.item_id)))).group_by(col(Sighting.source_id))
    items: dict[str, int] = {sid: n for sid, n in session.execute(items_query).all()}
    query = select(Source).order_by(col(Source.member), col(Source.id))
    if not include_adhoc:
        query = query.where(col(Source.origin) != "adhoc")
    rows = []
    for s in session.execute(query).scalars():
        if not s.enabled:
            status = "disabled"
        elif s.health:
            status = s.health
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
                s.health_error or (s.note if not s.enabled else None),
                s.health_since,
                s.format,
                s.office,
                s.members,
                s.note,
                s.verification,
                s.verified_on,
                s.evidence,
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
    health: str = H.OK
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.health == H.OK

    def as_json(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in self.__dict__.items()}


def check_sources(settings, source_ids: list[str] | None = None, transport=None) -> list[CheckResult]:
    """Fetch each source once (unconditionally) and read it in its format; stores nothing."""
    from triage import db
    from triage.errors import InputError
    from triage.models import utcnow
    from triage.sources.fetcher import Fetcher
    from triage.sources.ingest import read_document

    with Session(db.engine_for(settings.database_url)) as session:
        query = select(Source).where(col(Source.origin) != "adhoc").order_by(col(Source.id))
        if source_ids:
            query = select(Source).where(col(Source.id).in_(source_ids))
        else:
            query = query.where(col(Source.enabled))
        sources = {s.id: s for s in session.execute(query).scalars()}
        session.expunge_all()
    unknown = set(source_ids or []) - set(sources)
    if unknown:
        raise InputError(f"unknown source: {', '.join(sorted(unknown))} (see `triage feeds list`)")
    results = []
    now = utcnow()
    with Fetcher(settings, transport=transport) as fetcher:
        for sid, fetched in fetcher.fetch_many((sid, s.url, None, None) for sid, s in sources.items()):
            source = sources[sid]
            entries, newest, bozo, outcome, error = 0, None, None, fetched.outcome, fetched.error
            empty = not_a_feed = None
            if fetched.outcome == "ok":
                try:
                    parsed = read_document(settings, source, fetched, fetcher)
                except Exception as exc:  # a reader bug or hostile input: reported, never a traceback
                    outcome, error = "parse_error", f"{type(exc).__name__}: {exc}"
                else:
                    bozo, entries, empty, not_a_feed = parsed.bozo, len(parsed.entries), parsed.empty, parsed.not_a_feed
                    dates = [e.published for e in parsed.entries if e.published]
                    newest = max(dates) if dates else None
                    if not_a_feed or not parsed.is_feed:
                        outcome, error = "parse_error", not_a_feed or "not a feed: no RSS, Atom or RDF found"
            state, reason = judge(
                outcome=outcome,
                status=fetched.status,
                error=error,
                empty=empty,
                not_a_feed=not_a_feed,
                newest=newest,
                stale_days=source.stale_days,
                now=now,
            )
            results.append(CheckResult(sid, source.url, outcome, fetched.status, entries, newest, error, bozo, fetched.duration_ms, state, reason))
    return sorted(results, key=lambda r: r.id)


def verify_sources(settings, source_ids: list[str] | None = None, transport=None) -> list[CheckResult]:
    """`triage feeds verify`: probe every enabled source once and record what was found.

    The health is stored as after a fetch, and the structured verification becomes a
    fact: `verified` (a working document with entries), `blocked` (a bot wall) or
    `unverified` (anything else), dated today, with the probe's result as evidence.
    """
    from triage import db
    from triage.models import utcnow
    from triage.vocab import Verification

    results = check_sources(settings, source_ids, transport=transport)
    now = utcnow()
    with db.session_scope(settings.database_url) as session:
        for r in results:
            source = session.get(Source, r.id)
            if source is None:
                continue
            if r.health != source.health or source.health_since is None:
                source.health_since = now
            source.health, source.health_error = str(r.health), r.reason
            if r.newest and (source.newest_entry_at is None or r.newest > source.newest_entry_at):
                source.newest_entry_at = r.newest
            if r.health in (H.OK, H.STALE):
                source.verification = Verification.VERIFIED
            elif r.health == H.BLOCKED:
                source.verification = Verification.BLOCKED
            else:
                source.verification = Verification.UNVERIFIED
            source.verified_on = now.date()
            newest = f", newest {r.newest:%Y-%m-%d}" if r.newest else ""
            source.evidence = f"feeds verify {now:%Y-%m-%d}: HTTP {r.http_status or '-'}, {r.health}, {r.entries} entries{newest}" + (
                f"; {r.reason}" if r.reason else ""
            )
    return results

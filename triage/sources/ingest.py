"""The ingestion service: fetch what is due, parse, store, and log every fetch.

Crash safety rests on three things. Each batch of entries is committed with its
sightings, so a killed run keeps what it finished. A source's conditional-GET
validators (ETag, Last-Modified) and its next poll time are written only after all
its entries are stored: a run killed half-way through a feed fetches the whole feed
again next time rather than being told "304 Not Modified" and missing the rest.
And the unique keys (item content hash, sighting (source, entry key)) make the
redo a no-op for whatever was already stored. A failing source is recorded and the
run goes on.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import or_
from sqlmodel import Session, select

from triage import db, resources
from triage.config import Settings
from triage.errors import InputError, TriageError
from triage.models import CatalogueRow, FetchLog, Source, utcnow
from triage.sources import claims, formats
from triage.sources.dedup import NearDuplicates
from triage.sources.fetcher import Fetcher, FetchResult
from triage.sources.health import judge
from triage.sources.parser import ParsedFeed, parse_feed
from triage.sources.processor import Context, Counts, Processor

log = logging.getLogger(__name__)

FEED_TYPES = ("xml", "rss", "atom", "rdf")
SAMPLE_SUFFIXES = (".xml", ".rss", ".atom", ".rdf")


@dataclass
class SourceResult:
    source_id: str
    outcome: str  # ok | not_modified | error | parse_error
    http_status: int | None = None
    entries: int = 0
    new: int = 0
    duplicates: int = 0
    seen: int = 0
    skipped: int = 0
    dates_missing: int = 0
    dates_implausible: int = 0
    rejected: int = 0
    deferred: int = 0
    unextracted: int = 0
    health: str | None = None
    reason: str | None = None
    attempts: int = 0
    duration_ms: int = 0
    bytes: int = 0
    error: str | None = None
    bozo: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome in ("error", "parse_error")


@dataclass
class IngestSummary:
    results: list[SourceResult] = field(default_factory=list)

    def total(self, name: str) -> int:
        return sum(getattr(r, name) for r in self.results)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if r.failed)

    def as_json(self) -> dict:
        return {
            "sources": len(self.results),
            "ok": sum(1 for r in self.results if r.outcome == "ok"),
            "not_modified": sum(1 for r in self.results if r.outcome == "not_modified"),
            "failed": self.failed,
            "entries": self.total("entries"),
            "new": self.total("new"),
            "duplicates": self.total("duplicates"),
            "seen": self.total("seen"),
            "skipped": self.total("skipped"),
            "dates_missing": self.total("dates_missing"),
            "dates_implausible": self.total("dates_implausible"),
            "rejected": self.total("rejected"),
            "results": [asdict(r) for r in self.results],
        }


# -- helpers ----------------------------------------------------------------------------------
def require_database(url: str) -> None:
    if db.current_revision(url) is None:
        raise TriageError("the database is not initialised: run `triage init` first")


def compliance_period(session: Session) -> tuple[dt.date, dt.date] | None:
    row = session.exec(select(CatalogueRow).where(CatalogueRow.active).order_by(CatalogueRow.loaded_at.desc())).first()
    if row is None:
        return None
    return (row.period_start, row.period_end)


def next_poll(source: Source, now: dt.datetime, max_minutes: int) -> dt.datetime:
    """A failing source waits poll_minutes x 2^failures, capped: a dead feed is asked less."""
    minutes = source.poll_minutes
    if source.error_count:
        minutes = min(max_minutes, source.poll_minutes * 2 ** min(source.error_count, 16))
    return now + dt.timedelta(minutes=max(minutes, 1))


def _content_note(content_type: str | None) -> str | None:
    if content_type and not any(t in content_type.lower() for t in FEED_TYPES):
        return f"served as {content_type.split(';')[0].strip()}"
    return None


def _extractor(settings: Settings, fetcher: Fetcher | None) -> Callable[[str], str | None] | None:
    """Full-article extraction, when switched on and there is a fetcher (not for local files)."""
    if not settings.extract_full_text or fetcher is None:
        return None
    from triage.sources.extract import article_text

    return lambda url: article_text(fetcher, url)


def _processor(session: Session, settings: Settings, fetcher: Fetcher | None) -> Processor:
    extract = _extractor(settings, fetcher)
    near = NearDuplicates(settings.dedup_max_distance, settings.dedup_window_days, min_overlap=settings.dedup_min_overlap)
    article = None
    if fetcher is not None:
        from triage.sources.extract import Article
        from triage.sources.extract import article as read_article
        from triage.sources.robots import Robots

        robots = Robots(fetcher, settings.user_agent)

        def article(url: str) -> Article | str:
            refused = robots.refusal(url)
            if refused:
                return f"not fetched: {refused}"
            return read_article(fetcher, url)

    return Processor(
        session,
        compliance_period(session),
        near,
        settings.ingest_batch_size,
        extract,
        settings.teaser_chars,
        article=article,
        max_articles=settings.fetch_max_articles,
    )


def read_document(settings: Settings, source: Source, fetched: FetchResult, fetcher: Fetcher | None) -> ParsedFeed:
    """The fetched document read in the source's format (the one dispatch point)."""
    ctx = formats.FormatContext(
        options=dict(source.entries_config or {}),
        fetch=(lambda url: fetcher.fetch(url, accept="application/xml, text/xml;q=0.9, */*;q=0.5")) if fetcher else None,
        max_files=settings.sitemap_max_files,
        max_urls=settings.sitemap_max_urls,
    )
    doc = formats.Document(fetched.content, fetched.content_type, fetched.final_url or fetched.url)
    return formats.read(source.format or "feed", doc, ctx)


def _ingest_parsed(
    session: Session,
    settings: Settings,
    source: Source,
    parsed: ParsedFeed,
    fetched_at: dt.datetime,
    result: SourceResult,
    fetcher: Fetcher | None,
    adhoc: bool = False,
) -> None:
    if parsed.not_a_feed or not (parsed.is_feed or parsed.empty):
        result.outcome = "parse_error"
        result.error = parsed.not_a_feed or ("not a feed: no RSS, Atom or RDF found" + (f" ({result.bozo})" if result.bozo else ""))
        return
    counts: Counts = _processor(session, settings, fetcher).process(Context(source, parsed, fetched_at, adhoc), parsed.entries)
    for name in ("entries", "new", "duplicates", "seen", "skipped", "dates_missing", "dates_implausible", "rejected", "deferred", "unextracted"):
        setattr(result, name, getattr(counts, name))
    result.rejected += len(parsed.rejected)
    notes = [f"entry {r.key!r} rejected: {r.reason}" for r in parsed.rejected] + counts.notes
    if counts.deferred:
        notes.insert(0, f"{counts.deferred} articles left for the next run (TRIAGE_FETCH_MAX_ARTICLES)")
    if notes:
        result.bozo = "; ".join(filter(None, [result.bozo, *notes[:5]]))[:2000]


def _log(session: Session, source_id: str, started: dt.datetime, r: SourceResult) -> None:
    session.add(
        FetchLog(
            source_id=source_id,
            started_at=started,
            duration_ms=r.duration_ms,
            http_status=r.http_status,
            outcome=r.outcome,
            error=r.error,
            bytes=r.bytes,
            entries=r.entries,
            new_items=r.new,
            duplicates=r.duplicates,
            rejected=r.rejected,
            bozo=r.bozo,
        )
    )


# -- polling the registry ----------------------------------------------------------------------
def due_sources(session: Session, now: dt.datetime, only: list[str] | None = None) -> list[Source]:
    query = select(Source).where(Source.enabled, Source.origin != "adhoc")
    if only:
        query = select(Source).where(Source.id.in_(only))
    else:
        query = query.where(or_(Source.next_fetch_at.is_(None), Source.next_fetch_at <= now))
    return list(session.exec(query.order_by(Source.id)))


def ingest_due(
    settings: Settings,
    only: list[str] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[SourceResult], None] | None = None,
    transport=None,
) -> IngestSummary:
    """Fetch every due source once (or the sources named in `only`), store new items, log each fetch."""
    require_database(settings.database_url)
    engine = db.engine_for(settings.database_url)
    with Session(engine, expire_on_commit=False) as session:
        # Due sources are claimed (several workers and schedulers share them); named ones are not.
        sources = (
            due_sources(session, utcnow(), only)
            if only
            else claims.claim_due(session, ttl_seconds=settings.source_claim_seconds, limit=settings.fetch_claim_batch)
        )
        jobs = [(s.id, s.url, s.etag, s.last_modified) for s in sources]
    if only:
        unknown = set(only) - {j[0] for j in jobs}
        if unknown:
            raise InputError(f"unknown source: {', '.join(sorted(unknown))} (see `triage feeds list`)")
    if on_start:
        on_start(len(jobs))
    summary = IngestSummary()
    try:
        with Fetcher(settings, transport=transport) as fetcher:
            for source_id, fetched in fetcher.fetch_many(jobs):
                result = store_fetch(settings, source_id, fetched, fetcher)
                summary.results.append(result)
                if on_result:
                    on_result(result)
    finally:
        if not only:
            with Session(engine) as session:
                claims.release(session, [j[0] for j in jobs])
    return summary


def store_fetch(settings: Settings, source_id: str, fetched: FetchResult, fetcher: Fetcher | None = None) -> SourceResult:
    """Parse and store one fetched feed; update the source's state; log the fetch. Never raises."""
    engine = db.engine_for(settings.database_url)
    now = utcnow()
    started = now - dt.timedelta(milliseconds=fetched.duration_ms)
    result = SourceResult(source_id, fetched.outcome, fetched.status, attempts=fetched.attempts, duration_ms=fetched.duration_ms, error=fetched.error)
    result.bytes = len(fetched.content)
    parsed: ParsedFeed | None = None
    with Session(engine, expire_on_commit=False) as session:
        source = session.get(Source, source_id)
        try:
            if fetched.outcome == "ok":
                parsed = read_document(settings, source, fetched, fetcher)
                note = _content_note(fetched.content_type) if (source.format or "feed") == "feed" else None
                result.bozo = "; ".join(filter(None, [note, parsed.bozo])) or None
                _ingest_parsed(session, settings, source, parsed, now, result, fetcher)
        except Exception as exc:  # one broken source must not end the run; the log says what happened
            session.rollback()
            log.exception("source %s: ingestion failed", source_id)
            result.outcome, result.error = "error", f"ingestion failed: {type(exc).__name__}: {exc}"
        source = session.get(Source, source_id)
        source.last_fetch_at, source.last_status = now, fetched.status
        if result.failed:
            source.error_count += 1
            source.last_error = result.error
            log.warning("source %s: %s (%d consecutive failures)", source_id, result.error, source.error_count)
        else:
            source.error_count, source.last_error = 0, None
            # Validators only once every entry is stored (see module doc), and not while
            # listed articles wait for a later run: a 304 would hide them.
            if fetched.outcome == "ok" and not result.deferred:
                source.etag, source.last_modified = fetched.etag, fetched.last_modified
        _record_health(source, parsed, result, now)
        source.next_fetch_at = next_poll(source, now, settings.source_backoff_max_minutes)
        _log(session, source_id, started, result)
        session.commit()
    return result


def _record_health(source: Source, parsed: ParsedFeed | None, result: SourceResult, now: dt.datetime) -> None:
    """Store what this fetch says about the source; `since` moves only when the verdict changes."""
    if parsed is not None:
        dates = [e.published for e in parsed.entries if e.published and e.published <= now + dt.timedelta(days=2)]
        if dates and (source.newest_entry_at is None or max(dates) > source.newest_entry_at):
            source.newest_entry_at = max(dates)
    # A 304 means the document is unchanged: an empty one stays empty.
    kept_empty = source.health_error if result.outcome == "not_modified" and source.health == "empty" else None
    state, reason = judge(
        outcome=result.outcome,
        status=result.http_status,
        error=result.error,
        empty=parsed.empty if parsed is not None else kept_empty,
        not_a_feed=parsed.not_a_feed if parsed is not None else None,
        newest=source.newest_entry_at,
        stale_days=source.stale_days or 30,
        now=now,
    )
    if state != source.health or source.health_since is None:
        source.health_since = now
    source.health, source.health_error = state.value, reason
    result.health, result.reason = state.value, reason


# -- local files ----------------------------------------------------------------------------------
def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "feed"


def ingest_file(settings: Settings, path: Path, source_id: str | None = None) -> IngestSummary:
    """Ingest a local RSS/Atom/RDF file, as the named source or as an ad-hoc one."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such feed file", path)
    require_database(settings.database_url)
    data = path.read_bytes()
    started = utcnow()
    parsed = parse_feed(data)
    engine = db.engine_for(settings.database_url)
    with Session(engine, expire_on_commit=False) as session:
        if source_id:
            source = session.get(Source, source_id)
            if source is None:
                raise InputError(f"unknown source {source_id!r} (see `triage feeds list`)", path)
        else:
            source = _adhoc_source(session, path, parsed)
        result = SourceResult(source.id, "ok", None, attempts=1, bozo=parsed.bozo)
        result.bytes = len(data)
        try:
            _ingest_parsed(session, settings, source, parsed, started, result, None, adhoc=source_id is None)
        except Exception as exc:
            session.rollback()
            log.exception("file %s: ingestion failed", path)
            result.outcome, result.error = "error", f"ingestion failed: {type(exc).__name__}: {exc}"
        result.duration_ms = int((utcnow() - started).total_seconds() * 1000)
        _log(session, source.id, started, result)
        session.commit()
    return IngestSummary([result])


def _adhoc_source(session: Session, path: Path, parsed: ParsedFeed) -> Source:
    """A file ingested without --source becomes a source of its own, never polled."""
    source_id = f"file-{_slug(path.stem)}"
    source = session.get(Source, source_id)
    if source is None:
        source = Source(
            id=source_id,
            url=path.resolve().as_uri(),
            publisher=(parsed.publisher or parsed.title or path.stem)[:200],
            language=None,
            kind="news",
            origin="adhoc",
            enabled=False,
        )
        session.add(source)
        session.commit()
    return source


def sample_files() -> list[Path]:
    folder = resources.data_dir("feeds") / "samples"
    return sorted(p for p in folder.iterdir() if p.suffix in SAMPLE_SUFFIXES) if folder.is_dir() else []


def ingest_samples(settings: Settings, on_result: Callable[[SourceResult], None] | None = None) -> IngestSummary:
    """Ingest every bundled sample feed (no network): the quick start's data."""
    summary = IngestSummary()
    for path in sample_files():
        part = ingest_file(settings, path)
        summary.results.extend(part.results)
        if on_result:
            for r in part.results:
                on_result(r)
    return summary

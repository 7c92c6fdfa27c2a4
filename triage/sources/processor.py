"""Feed entries to items: clean, date, detect language, de-duplicate, store, record sightings.

Entries are handled in batches, each committed on its own (see `ingest.py` for why
that makes a killed run safe to repeat): entries this source already showed are
skipped by their sighting key, exact duplicates are found for the whole batch in one
query (`triage.items`' rule: same content hash or canonical URL), near-duplicates by
SimHash (`dedup.py`), and only then are new items inserted, in one statement. If
another writer stored one of the stories in between, the unique hash refuses the
insert and the batch falls back to `store_item`, one entry at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import Session

from triage.items import ItemDraft, canonical_url, find_existing_many, item_values, store_item
from triage.models import Item, Sighting, Source, utcnow
from triage.sources import language
from triage.sources.cleaner import clean_text, clean_title
from triage.sources.dedup import NearDuplicates, simhash, simhash_many
from triage.sources.extract import Article
from triage.sources.parser import Entry, ParsedFeed

log = logging.getLogger(__name__)

# Before this, a feed date is a CMS default (1970-01-01, 1900, 0001), not a publication.
PLAUSIBLE_FROM = dt.datetime(1995, 1, 1, tzinfo=dt.UTC)
# Clocks and time zones drift; a date further ahead than this is a typo or a placeholder.
FUTURE_SLACK = dt.timedelta(days=2)


@dataclass
class Counts:
    entries: int = 0
    new: int = 0
    duplicates: int = 0  # a story already stored (from this feed or another): a sighting, no new item
    seen: int = 0  # entries this source had already shown in an earlier run
    skipped: int = 0  # entries with neither a title, a text nor a link
    dates_missing: int = 0
    dates_implausible: int = 0
    rejected: int = 0  # entries the database refused (each alone); the reason is in notes
    deferred: int = 0  # listed articles beyond TRIAGE_FETCH_MAX_ARTICLES: fetched on a later run
    unextracted: int = 0  # listed articles whose page could not be read: stored with the listing's title and link
    notes: list[str] = field(default_factory=list)

    NAMES = ("entries", "new", "duplicates", "seen", "skipped", "dates_missing", "dates_implausible", "rejected", "deferred", "unextracted")

    def add(self, other: Counts) -> None:
        for name in self.NAMES:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.notes.extend(other.notes)


@dataclass
class Context:
    """What the processor needs to know about where entries came from."""

    source: Source
    feed: ParsedFeed
    fetched_at: dt.datetime
    adhoc: bool = False  # an ad-hoc file: each entry's own metadata names its publisher


def check_date(published: dt.datetime | None, fetched_at: dt.datetime) -> tuple[dt.datetime, bool, str | None]:
    """(published_at, date_missing, problem): absent or implausible dates fall back to the fetch time."""
    if published is None:
        return fetched_at, True, None
    if published < PLAUSIBLE_FROM:
        return fetched_at, True, f"date {published:%Y-%m-%d} is before {PLAUSIBLE_FROM:%Y}"
    if published > fetched_at + FUTURE_SLACK:
        return fetched_at, True, f"date {published:%Y-%m-%d} is in the future"
    return published, False, None


class PendingFingerprints:
    """Fingerprints of the items a batch is about to insert (copies within one batch)."""

    def __init__(self, capacity: int) -> None:
        self.fps = np.empty(capacity, dtype=np.int64)
        self.items: list[tuple[int, str]] = []

    def add(self, fp: int, pos: int, text: str) -> None:
        self.fps[len(self.items)] = fp
        self.items.append((pos, text))

    def match(self, fp: int, text: str, near: NearDuplicates) -> int | None:
        n = len(self.items)
        for i in near.close(fp, self.fps[:n], range(n)):
            pos, other = self.items[i]
            if near.same_story(text, other):
                return pos
        return None


class Processor:
    def __init__(
        self,
        session: Session,
        period: tuple[dt.date, dt.date] | None,
        near: NearDuplicates,
        batch_size: int = 200,
        extract: Callable[[str], str | None] | None = None,
        teaser_chars: int = 280,
        article: Callable[[str], Article | str] | None = None,
        max_articles: int = 50,
    ):
        self.session = session
        self.period = period
        self.near = near
        self.batch_size = batch_size
        self.extract = extract
        self.teaser_chars = teaser_chars
        self.article = article
        self.articles_left = max_articles

    def process(self, ctx: Context, entries: Iterable[Entry]) -> Counts:
        total = Counts()
        batch: list[Entry] = []
        for entry in entries:
            batch.append(entry)
            if len(batch) >= self.batch_size:
                total.add(self._batch(ctx, batch))
                batch = []
        if batch:
            total.add(self._batch(ctx, batch))
        return total

    # -- one batch, one transaction -----------------------------------------------------------
    def _batch(self, ctx: Context, entries: list[Entry]) -> Counts:
        counts = Counts(entries=len(entries))
        s = self.session
        keys = list({e.key for e in entries})
        seen = set(s.execute(select(Sighting.entry_key).where(Sighting.source_id == ctx.source.id, Sighting.entry_key.in_(keys))).scalars())
        fresh: list[Entry] = []
        for e in entries:
            if e.key in seen:
                counts.seen += 1
            else:
                seen.add(e.key)  # the same guid twice in one feed counts once
                fresh.append(e)
        drafts: list[tuple[Entry, ItemDraft]] = []
        for e in fresh:
            if e.article and self.article is not None:
                if self.articles_left <= 0:  # no sighting: the next run fetches it
                    counts.deferred += 1
                    continue
                self.articles_left -= 1
            draft = self._draft(ctx, e, counts)
            if draft is None:
                counts.skipped += 1
            else:
                drafts.append((e, draft))
        if drafts:
            try:
                self._store(ctx, drafts, counts)
                s.commit()
            except (SQLAlchemyError, ValueError) as exc:
                # One entry the database refuses must not cost the others: each alone, the bad one rejected.
                s.rollback()
                log.warning("source %s: batch refused (%s); storing entries one by one", ctx.source.id, type(exc).__name__)
                self._isolated(ctx, drafts, counts)
        s.commit()
        s.expunge_all()  # memory stays flat however long the feed
        return counts

    def _isolated(self, ctx: Context, drafts: list[tuple[Entry, ItemDraft]], counts: Counts) -> None:
        counts.new = counts.duplicates = 0
        for one in drafts:
            part = Counts()
            try:
                self._store(ctx, [one], part)
                self.session.commit()
                counts.new, counts.duplicates = counts.new + part.new, counts.duplicates + part.duplicates
            except (SQLAlchemyError, ValueError) as exc:
                self.session.rollback()
                counts.rejected += 1
                reason = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200]
                counts.notes.append(f"entry {one[0].key[:200]!r} rejected: {type(exc).__name__}: {reason}")

    def _draft(self, ctx: Context, e: Entry, counts: Counts) -> ItemDraft | None:
        title = clean_title(e.title)
        text = clean_text(e.content if len(e.content) > len(e.summary) else e.summary)
        if not title and not text and not e.link:
            return None
        published_in = e.published
        if e.article and e.link:
            page = self.article(e.link) if self.article else "no fetcher (a local file)"
            if isinstance(page, str):
                counts.unextracted += 1
                counts.notes.append(f"{e.link}: article {page}; the listing's title and link are kept")
            else:  # the article's own title, date and text win over the listing's
                title, text = clean_title(page.title or "") or title, page.text
                published_in = page.published or e.published
        elif self.extract and e.link and len(text) < self.teaser_chars:
            full = self.extract(e.link)
            if full and len(full) > len(text):
                text = full
        if not title:
            title = (text.split("\n", 1)[0][:200] or e.link or "(untitled)").strip()
        published, missing, problem = check_date(published_in, ctx.fetched_at)
        if problem:
            counts.dates_implausible += 1
            counts.notes.append(f"{e.key}: {problem} (raw {e.raw_date!r}); fetch time used")
            log.warning("source %s, entry %s: %s; using the fetch time", ctx.source.id, e.key, problem)
        elif missing:
            counts.dates_missing += 1
        lang, detected = ctx.source.language, False
        if not lang:
            lang = e.language or ctx.feed.language
        if not lang:
            lang, detected = language.detect(f"{title}\n{text}"), True
        # An Atom author is an organisation far more often than a WordPress dc:creator is.
        author = e.author if ctx.feed.version.startswith("atom") else None
        publisher = e.publisher or (ctx.adhoc and (author or ctx.feed.publisher or ctx.feed.title)) or ctx.source.publisher
        return ItemDraft(
            title=title[:1000],
            text=text,
            url=e.link,
            publisher=publisher,
            city=None if ctx.adhoc else ctx.source.city,
            language=lang,
            language_detected=detected and lang is not None,
            published_at=published,
            fetched_at=ctx.fetched_at,
            date_missing=missing,
            origin="feed",
        )

    def _store(self, ctx: Context, drafts: list[tuple[Entry, ItemDraft]], counts: Counts) -> None:
        s = self.session
        existing = find_existing_many(s, [d for _, d in drafts])
        dates = [d.published_at for _, d in drafts]
        fps_db, ids_db = self.near.candidates(s, min(dates), max(dates))
        by_hash: dict[str, int] = {}  # new in this batch: hash -> position in `rows`
        by_canon: dict[str, int] = {}
        pending = PendingFingerprints(len(drafts))  # new in this batch with a fingerprint
        rows: list[dict] = []
        links: list[tuple[Entry, int, bool]] = []  # (entry, item id or position in rows, is a position)
        fulltexts = [f"{d.title}\n{d.text}" for _, d in drafts]
        fresh = [n for n in range(len(drafts)) if n not in existing]
        fps: list[int | None] = [None] * len(drafts)
        for n, fp in zip(fresh, simhash_many([drafts[n][1].body for n in fresh], normalised=True)):
            fps[n] = fp
        close = {n: self.near.close(fp, fps_db, ids_db) for n, fp in enumerate(fps) if fp is not None}
        texts = self._texts({i for ids in close.values() for i in ids})  # one query for the batch
        for n, (entry, draft) in enumerate(drafts):
            fulltext, fp = fulltexts[n], fps[n]
            if n in existing:
                counts.duplicates += 1
                links.append((entry, existing[n], False))
                continue
            canon = canonical_url(draft.url)
            pos = by_hash.get(draft.hash)
            if pos is None and canon:
                pos = by_canon.get(canon)
            if pos is None and fp is not None:
                stored = self._near_stored(fulltext, close[n], texts)
                if stored is not None:
                    counts.duplicates += 1
                    links.append((entry, stored, False))
                    continue
                pos = pending.match(fp, fulltext, self.near)
            if pos is not None:
                counts.duplicates += 1
                links.append((entry, pos, True))
                continue
            row = item_values(draft, self.period)
            row["fingerprint"] = fp
            pos = len(rows)
            rows.append(row)
            by_hash[draft.hash] = pos
            if canon:
                by_canon[canon] = pos
            if fp is not None:
                pending.add(fp, pos, fulltext)
            counts.new += 1
            links.append((entry, pos, True))
        ids = self._insert(rows)
        if ids is None:
            # Another writer stored some of these stories meanwhile: one by one, the shared rule decides.
            counts.new = counts.duplicates = 0
            resolved = self._store_one_by_one(drafts, counts)
        else:
            resolved = [(e, ids[ref] if is_pos else ref) for e, ref, is_pos in links]
        self._sightings(ctx, resolved)

    def _texts(self, ids: set[int]) -> dict[int, str]:
        texts: dict[int, str] = {}
        ordered = sorted(ids)
        for i in range(0, len(ordered), 500):
            query = select(Item.id, Item.title, Item.text).where(Item.id.in_(ordered[i : i + 500]))
            texts.update((item_id, f"{title}\n{body}") for item_id, title, body in self.session.execute(query))
        return texts

    def _near_stored(self, text: str, close: list[int], texts: dict[int, str]) -> int | None:
        for item_id in close:
            if item_id in texts and self.near.same_story(text, texts[item_id]):
                return item_id
        return None

    def _insert(self, rows: list[dict]) -> list[int] | None:
        """Insert new items in one statement; their ids in order, or None on a unique-key conflict."""
        if not rows:
            return []
        table = Item.__table__
        created = utcnow()
        for row in rows:
            row.update(created_at=created, status="new", attempts=0, injection_suspected=False)
        try:
            with self.session.begin_nested():
                # A plain executemany, then the ids by content hash: RETURNING with a guaranteed
                # order made SQLAlchemy insert row by row on SQLite.
                self.session.execute(insert(table), rows)
        except IntegrityError:
            return None
        hashes = [row["content_hash"] for row in rows]
        ids: dict[str, int] = {}
        for i in range(0, len(hashes), 500):
            query = select(Item.content_hash, Item.id).where(Item.content_hash.in_(hashes[i : i + 500]))
            ids.update(self.session.execute(query).all())
        return [ids[h] for h in hashes]

    def _store_one_by_one(self, drafts: list[tuple[Entry, ItemDraft]], counts: Counts) -> list[tuple[Entry, int]]:
        links = []
        for entry, draft in drafts:
            item, created = store_item(self.session, draft, self.period)
            if created:
                item.fingerprint = simhash(draft.body, normalised=True)
                counts.new += 1
            else:
                counts.duplicates += 1
            self.session.flush()
            links.append((entry, item.id))
        return links

    def _sightings(self, ctx: Context, links: list[tuple[Entry, int]]) -> None:
        if not links:
            return
        rows = [
            {"item_id": item_id, "source_id": ctx.source.id, "entry_key": e.key, "entry_url": e.link, "seen_at": ctx.fetched_at}
            for e, item_id in links
        ]
        dialect_insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        # A concurrent run may have recorded the same sighting: the unique key keeps one.
        self.session.execute(dialect_insert(Sighting).on_conflict_do_nothing(index_elements=["source_id", "entry_key"]), rows)

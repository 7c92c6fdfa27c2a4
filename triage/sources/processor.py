"""Feed entries to items: clean, date, detect language, de-duplicate, store, record sightings.

Entries are handled in batches, each committed on its own (see `ingest.py` for why
that makes a killed run safe to repeat): entries this source already showed are
skipped by their sighting key, exact duplicates are found for the whole batch in two
queries (`triage.items`' rule: same content hash or canonical URL), near-duplicates
by SimHash (`dedup.py`), and only then are new items inserted, in one flush.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from triage.items import ItemDraft, canonical_url, find_existing_many, new_item, store_item
from triage.models import Item, Sighting, Source
from triage.sources import language
from triage.sources.cleaner import clean_text, clean_title
from triage.sources.dedup import NearDuplicates, simhash
from triage.sources.parser import Entry, ParsedFeed

log = logging.getLogger(__name__)

# Before this, a feed date is a CMS default (1970-01-01, 1900, 0001), not a publication.
PLAUSIBLE_FROM = dt.datetime(1995, 1, 1, tzinfo=dt.timezone.utc)
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
    notes: list[str] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        for name in ("entries", "new", "duplicates", "seen", "skipped", "dates_missing", "dates_implausible"):
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


class Processor:
    def __init__(
        self,
        session: Session,
        period: tuple[dt.date, dt.date] | None,
        near: NearDuplicates,
        batch_size: int = 200,
        extract: Callable[[str], str | None] | None = None,
        teaser_chars: int = 280,
    ):
        self.session = session
        self.period = period
        self.near = near
        self.batch_size = batch_size
        self.extract = extract
        self.teaser_chars = teaser_chars

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
        seen = set(
            s.execute(select(Sighting.entry_key).where(Sighting.source_id == ctx.source.id, Sighting.entry_key.in_(keys))).scalars()
        )
        fresh: list[Entry] = []
        for e in entries:
            if e.key in seen:
                counts.seen += 1
            else:
                seen.add(e.key)  # the same guid twice in one feed counts once
                fresh.append(e)
        drafts: list[tuple[Entry, ItemDraft]] = []
        for e in fresh:
            draft = self._draft(ctx, e, counts)
            if draft is None:
                counts.skipped += 1
            else:
                drafts.append((e, draft))
        if drafts:
            self._store(ctx, drafts, counts)
        s.commit()
        s.expunge_all()  # memory stays flat however long the feed
        return counts

    def _draft(self, ctx: Context, e: Entry, counts: Counts) -> ItemDraft | None:
        title = clean_title(e.title)
        text = clean_text(e.content if len(e.content) > len(e.summary) else e.summary)
        if not title and not text and not e.link:
            return None
        if self.extract and e.link and len(text) < self.teaser_chars:
            full = self.extract(e.link)
            if full and len(full) > len(text):
                text = full
        if not title:
            title = (text.split("\n", 1)[0][:200] or e.link or "(untitled)").strip()
        published, missing, problem = check_date(e.published, ctx.fetched_at)
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
        texts: dict[int, str] = {}
        by_hash: dict[str, Item] = {}
        by_canon: dict[str, Item] = {}
        pending: list[tuple[int, Item, str]] = []  # new in this batch: (fingerprint, item, text)
        links: list[tuple[Entry, Item]] = []
        for n, (entry, draft) in enumerate(drafts):
            fulltext = f"{draft.title}\n{draft.text}"
            item = existing.get(n) or by_hash.get(draft.hash) or by_canon.get(canonical_url(draft.url) or "")
            fp = simhash(fulltext)
            if item is None and fp is not None:
                item = self._near_stored(fp, fulltext, fps_db, ids_db, texts) or self._near_pending(fp, fulltext, pending)
            if item is not None:
                counts.duplicates += 1
            else:
                item = new_item(draft, self.period)
                item.fingerprint = fp
                by_hash[draft.hash] = item
                if item.canonical_url:
                    by_canon[item.canonical_url] = item
                if fp is not None:
                    pending.append((fp, item, fulltext))
                counts.new += 1
            links.append((entry, item))
        new_items = [item for _, item, _ in pending] + [i for i in by_hash.values() if i.fingerprint is None]
        if not self._insert(new_items):
            # Another writer stored some of these stories meanwhile: one by one, the shared rule decides.
            counts.new = counts.duplicates = 0
            links = self._store_one_by_one(drafts, counts)
        self._sightings(ctx, links)

    def _near_stored(self, fp, text, fps, ids, texts) -> Item | None:
        for item_id in self.near.close(fp, fps, ids):
            item = self.session.get(Item, item_id)
            if item is not None and self.near.same_story(text, f"{item.title}\n{item.text}"):
                return item
        return None

    def _near_pending(self, fp, text, pending) -> Item | None:
        for other_fp, item, other_text in pending:
            if ((fp ^ other_fp) & 0xFFFFFFFFFFFFFFFF).bit_count() <= self.near.max_distance and self.near.same_story(text, other_text):
                return item
        return None

    def _insert(self, items: list[Item]) -> bool:
        if not items:
            return True
        try:
            with self.session.begin_nested():
                self.session.add_all(items)
                self.session.flush()
        except IntegrityError:
            return False
        return True

    def _store_one_by_one(self, drafts: list[tuple[Entry, ItemDraft]], counts: Counts) -> list[tuple[Entry, Item]]:
        links = []
        for entry, draft in drafts:
            item, created = store_item(self.session, draft, self.period)
            if created:
                item.fingerprint = simhash(f"{draft.title}\n{draft.text}")
                counts.new += 1
            else:
                counts.duplicates += 1
            links.append((entry, item))
        self.session.flush()
        return links

    def _sightings(self, ctx: Context, links: list[tuple[Entry, Item]]) -> None:
        if not links:
            return
        rows = [
            {"item_id": item.id, "source_id": ctx.source.id, "entry_key": e.key, "entry_url": e.link, "seen_at": ctx.fetched_at}
            for e, item in links
        ]
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        # A concurrent run may have recorded the same sighting: the unique key keeps one.
        self.session.execute(insert(Sighting).on_conflict_do_nothing(index_elements=["source_id", "entry_key"]), rows)

"""Items: canonical URLs, content hashes, and storing an item exactly once.

Every path that creates an item (feed ingestion, an analyst's own evidence, an
evidence import) goes through `store_item`, so de-duplication is one rule.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import or_
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.models import Item, utcnow

# Query parameters that identify a campaign or a click, never the page.
TRACKING_PREFIXES = ("utm_", "at_", "ns_", "pk_", "mtm_", "hsa_")
TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "ito",
    "wtk",
    "cmpid",
    "ocid",
    "rss",
    "ref",
    "ref_src",
    "s_cid",
    "_hsenc",
    "_hsmi",
    "igshid",
    "yclid",
    "spm",
}


@lru_cache(maxsize=1024)  # a batch asks for the same URL several times
def canonical_url(url: str | None) -> str | None:
    """One spelling per page: https, lower-case host without www or default port, no
    fragment, no tracking parameters, remaining parameters sorted, no trailing slash."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    port = parts.port
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(TRACKING_PREFIXES) and k.lower() not in TRACKING_PARAMS
    ]
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit(("https", netloc, path, urlencode(sorted(query)), ""))


def normalise_text(text: str) -> str:
    """Unicode NFKC, whitespace collapsed: the form quotes and hashes compare in."""
    # str.split() splits on exactly the characters regex \s matches, several times faster.
    return " ".join(unicodedata.normalize("NFKC", text or "").split())


def content_body(title: str, text: str) -> str:
    """The normalised form in which two items' contents compare (hashes, fingerprints)."""
    return normalise_text(title).casefold() + "\n" + normalise_text(text).casefold()


def content_hash(title: str, text: str) -> str:
    return hashlib.sha256(content_body(title, text).encode("utf-8")).hexdigest()


@dataclass
class ItemDraft:
    """An item before it is stored."""

    title: str
    text: str = ""
    url: str | None = None
    publisher: str | None = None
    city: str | None = None
    language: str | None = None
    published_at: dt.datetime | None = None
    fetched_at: dt.datetime = field(default_factory=utcnow)
    date_missing: bool = False
    language_detected: bool = False
    origin: str = "feed"
    created_by_id: int | None = None
    _cache: tuple[str, str, str, str] | None = field(default=None, init=False, repr=False, compare=False)

    def _normalised(self) -> tuple[str, str, str, str]:
        # Cached for the text it was computed from (batch ingestion asks several times).
        if self._cache is None or self._cache[:2] != (self.title, self.text):
            body = content_body(self.title, self.text)
            self._cache = (self.title, self.text, body, hashlib.sha256(body.encode("utf-8")).hexdigest())
        return self._cache

    @property
    def body(self) -> str:
        return self._normalised()[2]

    @property
    def hash(self) -> str:
        return self._normalised()[3]


def in_period(published_at: dt.datetime | None, start: dt.date | None, end: dt.date | None) -> bool | None:
    if published_at is None or start is None or end is None:
        return None
    return start <= published_at.astimezone(dt.UTC).date() <= end


def find_existing(session: Session, draft: ItemDraft) -> Item | None:
    """The stored item for the same story: same content, or same canonical URL."""
    found = session.exec(select(Item).where(Item.content_hash == draft.hash)).first()
    if found is None and draft.url:
        canon = canonical_url(draft.url)
        found = session.exec(select(Item).where(Item.canonical_url == canon).order_by(Item.id)).first()
    return found


def item_values(draft: ItemDraft, period: tuple[dt.date, dt.date] | None = None) -> dict:
    """The column values of a draft's row (shared by `new_item` and bulk inserts)."""
    start, end = period if period else (None, None)
    return dict(
        url=draft.url,
        canonical_url=canonical_url(draft.url),
        title=draft.title,
        text=draft.text,
        publisher=draft.publisher,
        city=draft.city,
        language=draft.language,
        language_detected=draft.language_detected,
        published_at=draft.published_at,
        date_missing=draft.date_missing,
        fetched_at=draft.fetched_at,
        content_hash=draft.hash,
        in_period=in_period(draft.published_at, start, end),
        origin=draft.origin,
        created_by_id=draft.created_by_id,
    )


def new_item(draft: ItemDraft, period: tuple[dt.date, dt.date] | None = None) -> Item:
    """The row for a draft (not added to any session)."""
    return Item(**item_values(draft, period))


def find_existing_many(session: Session, drafts: list[ItemDraft]) -> dict[int, int]:
    """`find_existing` for a batch in two queries: {index in drafts: stored item id}."""
    hashes = {d.hash for d in drafts}
    canons = {c for c in (canonical_url(d.url) for d in drafts) if c}
    by_hash: dict[str, int] = {}
    by_canon: dict[str, int] = {}
    if hashes or canons:  # one round trip for both keys
        query = (
            sa_select(Item.id, Item.content_hash, Item.canonical_url)
            .where(or_(Item.content_hash.in_(hashes), Item.canonical_url.in_(canons)))
            .order_by(Item.id.desc())
        )
        for item_id, digest, canon in session.execute(query):
            by_hash[digest] = item_id
            if canon:
                by_canon[canon] = item_id  # descending order: the oldest wins, as in find_existing
    found: dict[int, int] = {}
    for n, d in enumerate(drafts):
        hit = by_hash.get(d.hash) or (by_canon.get(canonical_url(d.url)) if d.url else None)
        if hit is not None:
            found[n] = hit
    return found


def store_item(
    session: Session,
    draft: ItemDraft,
    period: tuple[dt.date, dt.date] | None = None,
) -> tuple[Item, bool]:
    """Insert the item unless the same story is already stored; returns (item, created).

    Safe when several workers insert the same story at once: the unique content hash
    decides, and the loser reads the winner's row.
    """
    existing = find_existing(session, draft)
    if existing is not None:
        return existing, False
    item = new_item(draft, period)
    try:
        with session.begin_nested():
            session.add(item)
    except IntegrityError:
        existing = session.exec(select(Item).where(Item.content_hash == draft.hash)).one()
        return existing, False
    return item, True

"""Parsing fetched bytes with feedparser (never its own HTTP) into plain entries.

RSS 0.9x/1.0/2.0, Atom and RDF all come out as `Entry` objects. A malformed feed
("bozo") is parsed as far as feedparser can and its complaint is kept for the fetch
log. Documents that declare entities are defused first: feedparser keeps "safe"
entity declarations and, when expat refuses an amplification attack, re-parses with
its loose parser, which expands them without limit (a 110 KB quadratic-blowup feed
took 46 s and 3 GB with feedparser 6.0.14). Triage removes the whole internal DTD
subset before parsing, so no entity is ever expanded; the entries still parse.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
import time
from dataclasses import dataclass, field

import feedparser

# The prolog is everything before the first element; a DOCTYPE with an internal subset
# ("[...]") is where entity declarations live.
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(\[.*?\]\s*)?>", re.IGNORECASE | re.DOTALL)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass
class Entry:
    """One feed entry as published, before cleaning: strings may hold HTML."""

    key: str
    link: str | None
    title: str
    summary: str
    content: str
    published: dt.datetime | None
    raw_date: str | None
    language: str | None = None
    publisher: str | None = None  # the entry's own <source>, dc:publisher or Atom source/author
    author: str | None = None


@dataclass
class ParsedFeed:
    version: str
    title: str | None
    language: str | None
    publisher: str | None
    entries: list[Entry] = field(default_factory=list)
    bozo: str | None = None
    encoding: str | None = None

    @property
    def is_feed(self) -> bool:
        """feedparser recognised a feed format, or found entries anyway."""
        return bool(self.version) or bool(self.entries)


def defuse(data: bytes) -> tuple[bytes, str | None]:
    """Remove a DOCTYPE that declares entities; returns (data, note or None)."""
    first = _FIRST_ELEMENT.search(data)
    head_end = first.start() if first else len(data)
    head = data[:head_end]
    if not _ENTITY_DECL.search(head):
        return data, None
    head = _DOCTYPE.sub(b"", head)
    head = re.sub(rb"<!ENTITY[^>]*>", b"", head, flags=re.IGNORECASE)  # stray ones outside a DOCTYPE
    return head + data[head_end:], "entity declarations removed before parsing (entity expansion refused)"


def parse_feed(data: bytes, content_type: str | None = None, base_url: str | None = None) -> ParsedFeed:
    data, defused = defuse(data)
    # Without a Content-Type feedparser would complain of "no Content-type specified";
    # it then relies on the XML declaration alone, which is what a file has too.
    headers = {"content-type": content_type} if content_type else {}
    if base_url and headers:
        headers["content-location"] = base_url
    # feedparser's HTML sanitiser and URI rewriting are skipped: Triage keeps no HTML at all
    # (cleaner.py turns it into text, dropping scripts), and they were half of parse time.
    result = feedparser.parse(data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    problems = [p for p in (defused, _bozo_text(result)) if p]
    feed = result.get("feed", {})
    publisher = feed.get("publisher") or (feed.get("author_detail") or {}).get("name") or feed.get("author")
    entries = [e for e in (_entry(raw) for raw in result.get("entries", [])) if e is not None]
    return ParsedFeed(
        version=result.get("version") or "",
        title=feed.get("title"),
        language=_lang(feed.get("language")),
        publisher=publisher,
        entries=entries,
        bozo="; ".join(problems) or None,
        encoding=result.get("encoding"),
    )


def _bozo_text(result) -> str | None:
    if not result.get("bozo"):
        return None
    exc = result.get("bozo_exception")
    return f"{type(exc).__name__}: {exc}"[:500] if exc is not None else "malformed feed"


def _lang(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower().replace("_", "-")
    return code[:2] if re.match(r"^[a-z]{2}\b", code) else None


def to_utc(parsed: time.struct_time | None) -> dt.datetime | None:
    """feedparser's *_parsed tuples are already UTC."""
    if not parsed:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _entry(raw) -> Entry | None:
    # dict.get, not FeedParserDict's own lookup (key aliases, deprecation checks): a third
    # of the cost of turning parsed entries into Entry objects.
    get = raw.get if type(raw) is dict else lambda key, default=None: dict.get(raw, key, default)
    link = get("link") or None
    title = get("title") or ""
    summary = get("summary") or ""
    contents = [dict.get(c, "value") or "" for c in get("content") or []]
    content = max(contents, key=len) if contents else ""
    stamp = get("published_parsed") or get("updated_parsed") or get("created_parsed")
    raw_date = get("published") or get("updated") or get("created")
    if not (title or summary or content or link):
        return None
    source = get("source") or {}
    author = dict.get(get("author_detail") or {}, "name") or get("author")
    publisher = dict.get(source, "title") or get("publisher") or None
    key = get("id") or link or _hash_key(title, raw_date, summary)
    lang = _lang(get("language")) or _lang(dict.get(get("title_detail") or {}, "language"))
    return Entry(
        key=key[:1000],
        link=link,
        title=title,
        summary=summary,
        content=content,
        published=to_utc(stamp),
        raw_date=raw_date,
        language=lang,
        publisher=publisher,
        author=author,
    )


def _hash_key(title: str, date: str | None, summary: str) -> str:
    digest = hashlib.sha256(f"{title}\n{date or ''}\n{summary}".encode("utf-8", "replace")).hexdigest()
    return f"sha256:{digest[:32]}"

"""Parsing fetched bytes with feedparser (never its own HTTP) into plain entries.

RSS 0.9x/1.0/2.0, Atom and RDF all come out as `Entry` objects. A malformed feed
("bozo") is parsed as far as feedparser can and its complaint is kept for the fetch
log. Documents that declare entities are defused first: feedparser keeps "safe"
entity declarations and, when expat refuses an amplification attack, re-parses with
its loose parser, which expands them without limit (a 110 KB quadratic-blowup feed
took 46 s and 3 GB with feedparser 6.0.14). Triage removes the whole internal DTD
subset before parsing, so no entity is ever expanded; the entries still parse.
The document is first decoded the way feedparser would decode it (its own
`convert_to_utf8`) and the check runs on that UTF-8 text: a UTF-16, UTF-32 or any
other non-ASCII-compatible encoding cannot hide `<!ENTITY` from it.

One entry must not sink a feed: when feedparser raises on the document (a
`&#xD800;` character reference does), each entry is parsed on its own with the
feed's header, and the entries that still raise are returned as `Rejected` with the
reason; an entry whose id or link holds characters no XML document may contain
(NUL, other control characters, surrogates) is rejected too.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import re
import time
from dataclasses import dataclass, field

import feedparser
from feedparser.encodings import convert_to_utf8

# The prolog is everything before the first element; a DOCTYPE with an internal subset
# ("[...]") is where entity declarations live.
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(\[.*?\]\s*)?>", re.IGNORECASE | re.DOTALL)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
# Entry elements of RSS/RDF (<item>) and Atom (<entry>), possibly prefixed, for parsing them one by one.
_ENTRY_SPAN = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?(?:item|entry))\b[^>]*?(?:/>|>.*?</\1\s*>)", re.DOTALL)
# Characters XML 1.0 forbids; PostgreSQL also refuses NUL in text.
_NOT_XML_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
    article: bool = False  # a link from a listing: the article page is fetched for its title, date and text


@dataclass
class Rejected:
    """An entry left out, with the reason (kept in the fetch log)."""

    key: str
    reason: str


@dataclass
class ParsedFeed:
    version: str
    title: str | None
    language: str | None
    publisher: str | None
    entries: list[Entry] = field(default_factory=list)
    bozo: str | None = None
    encoding: str | None = None
    rejected: list[Rejected] = field(default_factory=list)
    empty: str | None = None  # a valid document without entries: why (names the selector or path)
    not_a_feed: str | None = None  # HTML or something else where the format was expected

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


def to_utf8(data: bytes, content_type: str | None = None) -> tuple[bytes, str | None, str | None]:
    """Decode as feedparser would (HTTP charset, XML declaration, BOM, sniffing): (UTF-8, encoding, complaint)."""
    headers = {"content-type": content_type} if content_type else {}
    result: dict = {}
    try:
        converted = convert_to_utf8(headers, data, result)
    except Exception:  # an exotic codec failing: leave the bytes to feedparser
        return data, None, None
    complaint = _bozo_text(result) if content_type or "Override" in type(result.get("bozo_exception")).__name__ else None
    if not result.get("encoding"):
        return data, None, complaint
    return converted, result.get("encoding"), complaint


def parse_feed(data: bytes, content_type: str | None = None, base_url: str | None = None) -> ParsedFeed:
    data, encoding, complaint = to_utf8(data, content_type)
    data, defused = defuse(data)
    # Without a Content-Type feedparser would complain of "no Content-type specified";
    # it then relies on the XML declaration alone, which is what a file has too.
    # Once converted, the bytes are UTF-8 whatever the header said.
    headers = {"content-type": _as_utf8(content_type) if encoding else content_type} if content_type else {}
    if base_url and headers:
        headers["content-location"] = base_url
    rejected: list[Rejected] = []
    try:
        result = _feedparser(data, headers)
        raws = list(result.get("entries", []))
    except Exception as exc:  # feedparser raising on one entry: parse them one at a time
        result, raws, rejected = _one_by_one(data, headers, exc)
    problems = list(dict.fromkeys(p for p in (complaint, defused, _bozo_text(result)) if p))
    feed = result.get("feed", {})
    publisher = feed.get("publisher") or (feed.get("author_detail") or {}).get("name") or feed.get("author")
    entries = []
    for raw in raws:
        e = _entry(raw)
        if e is None:
            continue
        bad = _NOT_XML_CHAR.search(e.key) or (e.link and _NOT_XML_CHAR.search(e.link))
        if bad:
            rejected.append(Rejected(_printable(e.key), f"character U+{ord(bad.group()):04X} in the entry's id or link"))
            continue
        entries.append(e)
    return ParsedFeed(
        version=result.get("version") or "",
        title=feed.get("title"),
        language=_lang(feed.get("language")),
        publisher=publisher,
        entries=entries,
        bozo="; ".join(problems) or None,
        encoding=encoding or result.get("encoding"),
        rejected=rejected,
    )


def _feedparser(data: bytes, headers: dict[str, str]):
    # feedparser's HTML sanitiser and URI rewriting are skipped: Triage keeps no HTML at all
    # (cleaner.py turns it into text, dropping scripts), and they were half of parse time.
    return feedparser.parse(data, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)


def _one_by_one(data: bytes, headers: dict[str, str], exc: Exception) -> tuple[dict, list, list[Rejected]]:
    spans = [m.span() for m in _ENTRY_SPAN.finditer(data)]
    if not spans:
        raise exc
    shell = data[: spans[0][0]] + data[spans[-1][1] :]  # the feed without its entries
    result = _feedparser(shell, headers)
    raws, rejected = [], []
    for n, (start, end) in enumerate(spans, 1):
        one = data[: spans[0][0]] + data[start:end] + data[spans[-1][1] :]
        try:
            raws.extend(_feedparser(one, headers).get("entries", []))
        except Exception as entry_exc:
            guid = re.search(rb"<(?:guid|id|link)\b[^>]*>([^<]{1,300})<", data[start:end])
            key = guid.group(1).decode("utf-8", "replace").strip() if guid else f"entry #{n}"
            rejected.append(Rejected(_printable(key), f"unparseable entry: {type(entry_exc).__name__}: {entry_exc}"[:300]))
    return result, raws, rejected


def _as_utf8(content_type: str) -> str:
    return re.sub(r";\s*charset=[^;]*", "", content_type, flags=re.IGNORECASE) + "; charset=utf-8"


def _printable(text: str) -> str:
    return _NOT_XML_CHAR.sub("\ufffd", text)[:300]


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

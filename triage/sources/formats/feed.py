"""`feed`: RSS, Atom and RDF (the default format)."""

from __future__ import annotations

from triage.sources.formats.base import Document, FormatContext, looks_like_html
from triage.sources.parser import ParsedFeed, parse_feed


def read(doc: Document, ctx: FormatContext) -> ParsedFeed:
    parsed = parse_feed(doc.content, doc.content_type, doc.url)
    if not parsed.is_feed and looks_like_html(doc.content, doc.content_type):
        parsed.not_a_feed = "an HTML page, not a feed (RSS, Atom or RDF)"
    elif parsed.is_feed and not parsed.entries:
        parsed.empty = "the feed has no entries"
    return parsed

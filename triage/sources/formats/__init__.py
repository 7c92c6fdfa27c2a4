"""Source formats behind one dispatch point: `read(format, document, context)`.

Each format is a module with a `read(doc, ctx) -> ParsedFeed` function, registered
once in READERS below; adding a format is a new module and one line. `feed` is
RSS/Atom/RDF (feedparser), `html` a listing page read with CSS selectors, `sitemap`
a sitemap or sitemap index, `json` a JSON API read by paths. Listing formats return
entries marked `article=True`: the processor fetches each new one once and keeps the
article's own title, date and text (see extract.py).
"""

from __future__ import annotations

from collections.abc import Callable

from triage.errors import InputError
from triage.sources.formats import feed, html, json_api, sitemap
from triage.sources.formats.base import Document, FormatContext
from triage.sources.parser import ParsedFeed
from triage.vocab import SourceFormat

READERS: dict[SourceFormat, Callable[[Document, FormatContext], ParsedFeed]] = {
    SourceFormat.FEED: feed.read,
    SourceFormat.HTML: html.read,
    SourceFormat.SITEMAP: sitemap.read,
    SourceFormat.JSON: json_api.read,
}

OPTIONS: dict[SourceFormat, Callable[[dict], list[str]]] = {
    SourceFormat.FEED: lambda options: [],
    SourceFormat.HTML: html.problems,
    SourceFormat.SITEMAP: lambda options: [],
    SourceFormat.JSON: json_api.problems,
}


def read(fmt: str, doc: Document, ctx: FormatContext) -> ParsedFeed:
    try:
        reader = READERS[SourceFormat(fmt)]
    except ValueError:
        raise InputError(f"unknown source format {fmt!r} (one of {', '.join(READERS)})") from None
    return reader(doc, ctx)


__all__ = ["Document", "FormatContext", "READERS", "read"]

"""`sitemap`: a sitemap or a sitemap index; entries from <loc> and <lastmod>, newest first.

A sitemap bomb is cut at documented caps: at most TRIAGE_SITEMAP_MAX_FILES child
sitemaps are read from an index (the newest by <lastmod> first), at most
TRIAGE_SITEMAP_MAX_URLS URLs in all, and every file is fetched with the feed's byte
cap. XML entities are never expanded and no DTD is loaded.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from triage.sources.formats.base import Document, FormatContext, looks_like_html, parse_date
from triage.sources.parser import Entry, ParsedFeed

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _parse(content: bytes):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False)
    return etree.fromstring(content, parser=parser)


def _pairs(root, tag: str) -> list[tuple[str, str | None]]:
    out = []
    for node in root.iter(NS + tag, tag):
        loc = node.findtext(NS + "loc") or node.findtext("loc")
        if loc and loc.strip():
            out.append((loc.strip(), (node.findtext(NS + "lastmod") or node.findtext("lastmod") or "").strip() or None))
    return out


def _newest_first(pairs: list[tuple[str, str | None]]) -> list[tuple[str, str | None, dt.datetime | None]]:
    dated = [(loc, raw, parse_date(raw) if raw else None) for loc, raw in pairs]
    floor = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(dated, key=lambda t: t[2] or floor, reverse=True)


def read(doc: Document, ctx: FormatContext) -> ParsedFeed:
    parsed = ParsedFeed(version="sitemap", title=None, language=None, publisher=None)
    try:
        root = _parse(doc.content)
    except etree.XMLSyntaxError as exc:
        if looks_like_html(doc.content, doc.content_type):
            parsed.not_a_feed = "an HTML page, not a sitemap"
        else:
            parsed.not_a_feed = f"not a sitemap: {exc}"[:300]
        return parsed
    local = etree.QName(root).localname
    urls: list[tuple[str, str | None]] = []
    notes: list[str] = []
    if local == "sitemapindex":
        children = _newest_first(_pairs(root, "sitemap"))
        if len(children) > ctx.max_files:
            notes.append(f"sitemap index lists {len(children)} sitemaps; the newest {ctx.max_files} read (TRIAGE_SITEMAP_MAX_FILES)")
        for loc, _raw, _when in children[: ctx.max_files]:
            if ctx.fetch is None:
                break
            fetched = ctx.fetch(loc)
            if fetched.outcome != "ok":
                notes.append(f"sitemap {loc}: {fetched.error or fetched.outcome}")
                continue
            try:
                child = _parse(fetched.content)
            except etree.XMLSyntaxError as exc:
                notes.append(f"sitemap {loc}: {exc}"[:200])
                continue
            urls.extend(_pairs(child, "url"))
            if len(urls) >= ctx.max_urls:
                break
    elif local == "urlset":
        urls = _pairs(root, "url")
    else:
        parsed.not_a_feed = f"not a sitemap: the root element is <{local}>"
        return parsed
    if len(urls) > ctx.max_urls:
        notes.append(f"{len(urls)} URLs; the newest {ctx.max_urls} kept (TRIAGE_SITEMAP_MAX_URLS)")
    entries = []
    for loc, raw, when in _newest_first(urls)[: ctx.max_urls]:
        if loc.startswith(("http://", "https://")):
            entries.append(Entry(key=loc[:1000], link=loc, title="", summary="", content="", published=when, raw_date=raw, article=True))
    parsed.entries = entries
    parsed.bozo = "; ".join(notes) or None
    if not entries:
        parsed.empty = "the sitemap lists no URL"
    return parsed

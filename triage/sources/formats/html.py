"""`html`: a listing page without a feed, read with CSS selectors.

Options (registry `entries:`): `link` (CSS for the entry links, required), `title`
and `date` (CSS, optional), `date_format` (strptime, e.g. "%d %B %Y") and
`date_language` (e.g. it). Title and date are looked up in the nearest ancestor of
each link that contains a match, so a card's own date goes with its link. Each
linked article is then fetched once and read with trafilatura.
"""

from __future__ import annotations

from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml.cssselect import CSSSelector
from lxml.etree import ParserError

from triage.sources.formats.base import Document, FormatContext, parse_date
from triage.sources.parser import Entry, ParsedFeed


def problems(options: dict) -> list[str]:
    found = []
    if not options.get("link"):
        found.append("html sources need entries.link (a CSS selector for the entry links)")
    for key in ("link", "title", "date"):
        if options.get(key):
            try:
                CSSSelector(options[key])
            except Exception as exc:
                found.append(f"entries.{key}: invalid CSS selector {options[key]!r}: {exc}")
    return found


def _near(el, selector: CSSSelector | None, links: set):
    """The first match in the nearest ancestor that holds one, without climbing into another entry's card."""
    if selector is None:
        return None
    node = el
    while node is not None:
        found = selector(node)
        if found:
            return found[0]
        node = node.getparent()
        if node is not None and sum(1 for d in node.iter() if d in links) > 1:
            return None
    return None


def read(doc: Document, ctx: FormatContext) -> ParsedFeed:
    opts = ctx.options
    try:
        tree = lxml.html.fromstring(doc.content)
    except (ParserError, ValueError) as exc:
        return ParsedFeed(version="", title=None, language=None, publisher=None, not_a_feed=f"not an HTML page: {exc}")
    link_sel = CSSSelector(opts["link"])
    title_sel = CSSSelector(opts["title"]) if opts.get("title") else None
    date_sel = CSSSelector(opts["date"]) if opts.get("date") else None
    entries: list[Entry] = []
    seen: set[str] = {urldefrag(doc.url)[0]}  # a link to the listing itself is not an entry
    matched = link_sel(tree)
    links = set(matched)
    for el in matched:
        anchor = el if el.get("href") else next(iter(el.iter("a")), None)
        href = anchor.get("href") if anchor is not None else None
        if not href:
            continue
        url = urldefrag(urljoin(doc.url, href.strip()))[0]
        if not url.startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        title_el = _near(el, title_sel, links)
        title = (title_el.text_content() if title_el is not None else el.text_content()).strip()
        date_el = _near(el, date_sel, links)
        raw_date = date_el.get("datetime") or date_el.text_content() if date_el is not None else None
        published = parse_date(raw_date, opts.get("date_format"), opts.get("date_language"))
        entries.append(Entry(key=url[:1000], link=url, title=title, summary="", content="", published=published, raw_date=raw_date, article=True))
    lang = tree.get("lang")
    page_title = tree.findtext(".//title")
    parsed = ParsedFeed(version="html", title=page_title.strip() if page_title else None, language=lang[:2].lower() if lang else None, publisher=None)
    parsed.entries = entries
    if not entries:
        parsed.empty = f"the selector {opts['link']!r} matched no link on the page"
    return parsed

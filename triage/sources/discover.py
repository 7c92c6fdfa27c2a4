"""`triage feeds discover URL`: the feeds and sitemaps a publisher's page advertises, each checked.

Candidates come from the page's `<link rel="alternate">` tags (RSS, Atom, RDF, JSON
feeds), from common feed paths on the same site, and from the site's robots.txt
`Sitemap:` lines and /sitemap.xml. Each is fetched once through the usual fetcher
(same caps and address filter) and read in its format, so the list says which work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml.etree import ParserError

from triage.config import Settings
from triage.models import utcnow
from triage.sources import formats
from triage.sources.fetcher import Fetcher, FetchResult
from triage.sources.health import judge
from triage.vocab import SourceFormat

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json", "application/xml", "text/xml")
COMMON_PATHS = ("/feed", "/feed/", "/rss", "/rss.xml", "/feed.xml", "/atom.xml", "/index.xml", "/feed/rss", "/en/rss", "/rss/news")


@dataclass
class Candidate:
    url: str
    found_by: str  # link | common path | robots.txt | sitemap.xml | the page itself
    format: str
    health: str
    http_status: int | None
    entries: int
    newest: dt.datetime | None
    reason: str | None

    def as_json(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in self.__dict__.items()}


def advertised(page: bytes, base: str) -> list[str]:
    try:
        tree = lxml.html.fromstring(page)
    except (ParserError, ValueError):
        return []
    found = []
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().split(";")[0].strip()
        if "alternate" in rel and kind in FEED_TYPES and link.get("href"):
            found.append(urljoin(base, link.get("href").strip()))
    return found


def _sitemaps(robots: FetchResult, root: str) -> list[str]:
    found = []
    if robots.outcome == "ok":
        for line in robots.content.decode("utf-8", "replace").splitlines()[:1000]:
            if line.lower().startswith("sitemap:"):
                found.append(line.split(":", 1)[1].strip())
    return found or [root + "/sitemap.xml"]


def discover(settings: Settings, url: str, transport=None) -> list[Candidate]:
    parts = urlsplit(url)
    root = f"{parts.scheme}://{parts.netloc}"
    now = utcnow()
    out: list[Candidate] = []
    with Fetcher(settings, transport=transport) as fetcher:
        page = fetcher.fetch(url, accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.5")
        todo: list[tuple[str, str, SourceFormat]] = []
        if page.outcome == "ok":
            base = page.final_url or url
            parsed = formats.read("feed", formats.Document(page.content, page.content_type, base), formats.FormatContext())
            if parsed.is_feed and not parsed.not_a_feed:
                todo.append((url, "the page itself", SourceFormat.FEED))
            todo += [(u, "link", SourceFormat.FEED) for u in advertised(page.content, base)]
        todo += [(root + p, "common path", SourceFormat.FEED) for p in COMMON_PATHS]
        robots = fetcher.fetch(root + "/robots.txt", accept="text/plain, */*;q=0.5")
        todo += [(u, "robots.txt" if robots.outcome == "ok" else "sitemap.xml", SourceFormat.SITEMAP) for u in _sitemaps(robots, root)]
        seen: set[str] = set()
        for cand_url, how, fmt in todo:
            if cand_url in seen:
                continue
            seen.add(cand_url)
            fetched = page if cand_url == url and page.outcome == "ok" else fetcher.fetch(cand_url)
            entries, newest, empty, not_a_feed = 0, None, None, None
            if fetched.outcome == "ok":
                ctx = formats.FormatContext(max_files=1, max_urls=settings.sitemap_max_urls)  # discovery reads no child sitemaps
                doc = formats.Document(fetched.content, fetched.content_type, fetched.final_url or cand_url)
                try:
                    parsed = formats.read(fmt, doc, ctx)
                except Exception as exc:  # hostile input: reported as not a feed
                    not_a_feed = f"{type(exc).__name__}: {exc}"[:200]
                else:
                    entries, empty, not_a_feed = len(parsed.entries), parsed.empty, parsed.not_a_feed
                    if not parsed.is_feed and not empty and not not_a_feed:
                        not_a_feed = "not a feed"
                    dates = [e.published for e in parsed.entries if e.published]
                    newest = max(dates) if dates else None
            state, reason = judge(
                outcome=fetched.outcome,
                status=fetched.status,
                error=fetched.error,
                empty=empty,
                not_a_feed=not_a_feed,
                newest=newest,
                stale_days=30,
                now=now,
            )
            if how == "common path" and fetched.status == 404:
                continue  # a guess that missed is not worth a line
            out.append(Candidate(cand_url, how, fmt.value, state.value, fetched.status, entries, newest, reason))
    return out

"""Article pages: full text for teaser-only feed entries (TRIAGE_EXTRACT_FULL_TEXT), and the
articles that listing formats (html, sitemap, json) link to.

The page is fetched with the same limits as feeds and its main text extracted with
trafilatura (boilerplate, navigation and scripts left out). Any failure keeps the
teaser: extraction can only add text, never lose an entry.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from triage.sources.cleaner import normalise_whitespace
from triage.sources.fetcher import Fetcher

log = logging.getLogger(__name__)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"


def article_text(fetcher: Fetcher, url: str) -> str | None:
    import trafilatura

    fetched = fetcher.fetch(url, accept=HTML_ACCEPT)
    if fetched.outcome != "ok" or not fetched.content:
        log.info("article %s not extracted: %s", url, fetched.error or fetched.outcome)
        return None
    try:
        text = trafilatura.extract(fetched.content, url=fetched.final_url or url, include_comments=False, include_tables=False)
    except Exception as exc:  # trafilatura on hostile HTML: keep the teaser
        log.info("article %s not extracted: %s", url, exc)
        return None
    return normalise_whitespace(text) if text else None


@dataclass
class Article:
    """An article page read on its own: its title, date and main text."""

    title: str | None
    text: str
    published: dt.datetime | None


def article(fetcher: Fetcher, url: str) -> Article | str:
    """Fetch a listed article once and extract it; the reason when that fails (the listing's title and link are kept)."""
    import trafilatura

    fetched = fetcher.fetch(url, accept=HTML_ACCEPT)
    if fetched.outcome != "ok" or not fetched.content:
        log.info("article %s not fetched: %s", url, fetched.error or fetched.outcome)
        return f"not fetched: {fetched.error or fetched.outcome}"
    try:
        doc = trafilatura.bare_extraction(
            fetched.content, url=fetched.final_url or url, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as exc:  # trafilatura on hostile HTML
        log.info("article %s not extracted: %s", url, exc)
        return f"not extracted: {type(exc).__name__}"
    data = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
    text = normalise_whitespace(data.get("text") or "")
    if not text:
        return "no main text found on the page"
    published = None
    if data.get("date"):
        try:
            published = dt.datetime.fromisoformat(str(data["date"])).replace(tzinfo=dt.UTC)
        except ValueError:
            published = None
    return Article(title=(data.get("title") or "").strip() or None, text=text, published=published)

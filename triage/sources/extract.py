"""Full article text for entries that carry only a teaser (optional: TRIAGE_EXTRACT_FULL_TEXT).

The page is fetched with the same limits as feeds and its main text extracted with
trafilatura (boilerplate, navigation and scripts left out). Any failure keeps the
teaser: extraction can only add text, never lose an entry.
"""

from __future__ import annotations

import logging

from triage.sources.cleaner import normalise_whitespace
from triage.sources.fetcher import Fetcher

log = logging.getLogger(__name__)


def article_text(fetcher: Fetcher, url: str) -> str | None:
    try:
        import trafilatura
    except ImportError:  # an optional dependency: pip install 'triage[extract]'
        log.warning("full-text extraction is on but trafilatura is not installed (pip install 'triage[extract]')")
        return None
    fetched = fetcher.fetch(url, accept="text/html, application/xhtml+xml;q=0.9, */*;q=0.5")
    if fetched.outcome != "ok" or not fetched.content:
        log.info("article %s not extracted: %s", url, fetched.error or fetched.outcome)
        return None
    try:
        text = trafilatura.extract(fetched.content, url=fetched.final_url or url, include_comments=False, include_tables=False)
    except Exception as exc:  # trafilatura on hostile HTML: keep the teaser
        log.info("article %s not extracted: %s", url, exc)
        return None
    return normalise_whitespace(text) if text else None

"""robots.txt for the pages Triage finds by itself (articles linked from listings and sitemaps).

The feeds, listing pages, sitemaps and APIs in the registry are named by a person, so
they are fetched as configured. Article pages are discovered by Triage, so their site's
robots.txt is asked first (once per site and run, through the same fetcher): a page it
disallows for Triage's User-Agent is not fetched, and the item keeps the listing's title
and link. A robots.txt that is missing (4xx) allows everything; one that cannot be read
(network error, 5xx) allows nothing for this run, as the robots exclusion standard says.
"""

from __future__ import annotations

import threading
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from triage.sources.fetcher import Fetcher


class Robots:
    def __init__(self, fetcher: Fetcher, user_agent: str) -> None:
        self.fetcher = fetcher
        self.agent = user_agent.split("/", 1)[0] or "Triage"
        self._sites: dict[str, tuple[RobotFileParser, str | None]] = {}
        self._lock = threading.Lock()

    def refusal(self, url: str) -> str | None:
        """Why the page may not be fetched, or None when it may."""
        parts = urlsplit(url)
        site = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            known = self._sites.get(site)
        if known is None:
            known = self._load(site)
            with self._lock:
                self._sites[site] = known
        rules, unreadable = known
        if unreadable:
            return f"robots.txt unreadable ({unreadable})"
        return None if rules.can_fetch(self.agent, url) else "disallowed by the site's robots.txt"

    def _load(self, site: str) -> tuple[RobotFileParser, str | None]:
        rules = RobotFileParser(site + "/robots.txt")
        fetched = self.fetcher.fetch(site + "/robots.txt", accept="text/plain, */*;q=0.5")
        if fetched.outcome == "ok":
            rules.parse(fetched.content.decode("utf-8", "replace").splitlines())
        elif fetched.status is not None and 400 <= fetched.status < 500:
            rules.parse([])  # no rules: everything allowed
        else:
            return rules, fetched.error or fetched.outcome
        return rules, None

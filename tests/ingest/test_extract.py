"""Optional full-article extraction (trafilatura) for teaser-only entries, against loopback."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.ingest.feedserver import Reply, add_source, fast_settings, item, rss
from triage import db
from triage.models import Item
from triage.sources.ingest import ingest_due

pytestmark = pytest.mark.timeout(60)

ARTICLE = """<!doctype html><html><head><title>Operation against smugglers</title><script>var tracking = 1;</script></head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/contact">Contact</a></nav>
<article><h1>Operation against smugglers</h1>
<p>Officers from the national police arrested fourteen suspected members of a network that smuggled migrants across the
northern border in refrigerated lorries, after an investigation that lasted eighteen months.</p>
<p>Investigators traced payments of several hundred thousand euros through money transfer agents, and seized vehicles,
phones and forged documents in searches carried out in three regions at dawn on Tuesday.</p>
<p>The public prosecutor said that the suspects face charges of aiding illegal immigration as an organised group, and that
cooperation with two neighbouring countries through Europol had been decisive for the case.</p>
</article><footer>Copyright Ministry of the Interior. All rights reserved.</footer></body></html>"""


def _feed(server):
    link = server.url("/news/operation")
    return rss(
        f"<item><title>Operation against smugglers</title><link>{link}</link>"
        "<pubDate>Tue, 02 Jul 2024 10:00:00 +0000</pubDate><description>Fourteen arrests.</description></item>",
        item(2, text="A long enough description " * 20),
    ).encode()


@pytest.mark.parametrize("enabled", [False, True])
def test_teaser_is_replaced_by_the_article_only_when_enabled(server, loaded_db, enabled):
    server.routes["/feed"] = Reply(200, _feed(server))
    server.routes["/news/operation"] = Reply(200, ARTICLE.encode(), {"Content-Type": "text/html; charset=utf-8"})
    add_source(loaded_db, "s1", server.url("/feed"), language="en")
    ingest_due(fast_settings(loaded_db, extract_full_text=enabled, teaser_chars=280))
    with Session(db.engine_for(loaded_db)) as s:
        teaser = s.exec(select(Item).where(Item.title == "Operation against smugglers")).one()
    if enabled:
        assert "money transfer agents" in teaser.text and "Europol had been decisive" in teaser.text
        assert "tracking" not in teaser.text and "All rights reserved" not in teaser.text and "Contact" not in teaser.text
        assert len(server.hits("/news/operation")) == 1  # only the teaser's page was fetched
    else:
        assert teaser.text == "Fourteen arrests." and not server.hits("/news/operation")


def test_failed_extraction_keeps_the_teaser(server, loaded_db):
    server.routes["/feed"] = Reply(200, _feed(server))
    server.routes["/news/operation"] = Reply(500)
    add_source(loaded_db, "s1", server.url("/feed"), language="en")
    summary = ingest_due(fast_settings(loaded_db, extract_full_text=True, fetch_attempts=1))
    assert summary.as_json()["new"] == 2 and summary.failed == 0
    with Session(db.engine_for(loaded_db)) as s:
        assert s.exec(select(Item).where(Item.title == "Operation against smugglers")).one().text == "Fourteen arrests."

"""`triage feeds discover URL` and `triage feeds verify`, against loopback."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest
from sqlmodel import Session

from tests.ingest import website
from tests.ingest.feedserver import Reply, add_source, item, rss
from triage import db
from triage.models import Source

pytestmark = pytest.mark.timeout(60)


def _recent() -> str:
    return email.utils.format_datetime(dt.datetime.now(dt.UTC) - dt.timedelta(days=1))


def test_discover_lists_advertised_feeds_common_paths_and_sitemaps_each_checked(cli, server):
    website.build(server)
    server.routes["/news"] = Reply(
        200,
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/feeds/news.xml">'
        b'<link rel="alternate" type="application/atom+xml" href="/feeds/empty.atom"></head><body>News</body></html>',
        {"Content-Type": "text/html"},
    )
    server.routes["/feeds/news.xml"] = Reply(200, rss(item(1, date=_recent()), item(2, date=_recent())).encode())
    server.routes["/feeds/empty.atom"] = Reply(200, b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>')
    server.routes["/rss"] = Reply(200, b"<html><body>Our RSS feeds</body></html>", {"Content-Type": "text/html"})
    server.routes["/robots.txt"] = Reply(200, f"User-agent: *\nSitemap: {server.url('/sitemap-0.xml')}\n".encode())
    result = cli("feeds", "discover", server.url("/news"), "--json")
    assert result.code == 0, result.err
    found = {r["url"].replace(server.url(""), ""): r for r in result.json}
    assert found["/feeds/news.xml"]["health"] == "ok" and found["/feeds/news.xml"]["entries"] == 2 and found["/feeds/news.xml"]["found_by"] == "link"
    assert found["/feeds/empty.atom"]["health"] == "empty"
    assert found["/rss"]["health"] == "not_a_feed" and found["/rss"]["found_by"] == "common path"
    assert found["/sitemap-0.xml"]["format"] == "sitemap" and found["/sitemap-0.xml"]["entries"] == 3
    assert "/feed.xml" not in found  # a guessed path that 404s is left out
    table = cli("feeds", "discover", server.url("/news"))
    assert table.code == 0 and "working" in table.out


def test_discover_refuses_private_addresses_by_default(cli, server, monkeypatch):
    monkeypatch.setenv("TRIAGE_FETCH_ALLOW_PRIVATE_ADDRESSES", "false")
    server.routes["/news"] = Reply(200, b"<html></html>")
    result = cli("feeds", "discover", server.url("/news"), "--json")
    assert result.code == 0 and not server.requests
    assert all(r["health"] == "failing" and "127.0.0.1 (loopback)" in r["reason"] for r in result.json)


def test_verify_records_what_each_source_answers(cli, loaded_db, server):
    server.routes["/ok"] = Reply(200, rss(item(1, date=_recent())).encode())
    server.routes["/walled"] = Reply(403, b"no robots")
    server.routes["/empty"] = Reply(200, b'<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title></feed>')
    for name in ("ok", "walled", "empty"):
        add_source(loaded_db, name, server.url("/" + name))
    result = cli("feeds", "verify")
    assert result.code == 1  # not every source is ok
    with Session(db.engine_for(loaded_db)) as s:
        got = {n: s.get(Source, n) for n in ("ok", "walled", "empty")}
        assert [got[n].verification for n in ("ok", "walled", "empty")] == ["verified", "blocked", "unverified"]
        assert got["ok"].verified_on == dt.datetime.now(dt.UTC).date() and "HTTP 200" in got["ok"].evidence
        assert got["walled"].health == "blocked" and got["empty"].health == "empty" and got["empty"].health_since is not None
    listed = {r["id"]: r for r in cli("feeds", "list", "--json").json}
    assert listed["walled"]["verification"] == "blocked" and listed["walled"]["status"] == "blocked"

"""Sources without feeds, against a loopback web site: html listing pages, sitemaps, JSON APIs."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, select

from tests.ingest import website
from tests.ingest.feedserver import Reply, add_source, fast_settings
from triage import db
from triage.models import Item, Sighting, Source
from triage.sources.ingest import ingest_due

pytestmark = pytest.mark.timeout(90)

HTML_OPTIONS = {"link": "a.link", "title": "h3", "date": ".data", "date_format": "%d %B %Y", "date_language": "it"}
JSON_OPTIONS = {"items": "feed.entry", "link": "link", "title": "title", "date": "publishedDate", "text": "teaser"}


def _add(url, sid, fmt, path, options=None, server=None):
    add_source(url, sid, server.url(path), format=fmt, entries_config=options, language="it" if fmt != "json" else "en", stale_days=100_000)


def _rerun(url, settings):
    with db.session_scope(url) as s:
        for src in s.exec(select(Source)).all():
            src.next_fetch_at = None
    return ingest_due(settings)


def _items(url):
    with Session(db.engine_for(url)) as s:
        return {i.url: i for i in s.exec(select(Item)).all()}


def test_italian_listing_page_articles_once_and_conditional_get(server, migrated_db):
    website.build(server)
    _add(migrated_db, "it-notizie", "html", "/it/notizie", HTML_OPTIONS, server)
    settings = fast_settings(migrated_db)
    [first] = ingest_due(settings).results
    assert (first.outcome, first.new, first.health) == ("ok", 3, "ok"), (first.error, first.bozo)
    items = _items(migrated_db)
    for path, _lt, _ld, title, date, text in website.ARTICLES:
        got = items[server.url(path)]
        assert got.title == title  # the article's own title, not the listing's
        assert text[:60] in got.text and "Tutti i diritti riservati" not in got.text and "Notizie" not in got.text
        assert got.published_at.date() == dt.date.fromisoformat(date) and not got.date_missing
        assert got.publisher == "Test Publisher" and got.language == "it"
        assert len(server.hits(path)) == 1
    [second] = _rerun(migrated_db, settings).results
    assert second.outcome == "not_modified" and second.new == 0
    assert server.hits("/it/notizie")[1].headers.get("If-None-Match") == '"l1"'
    assert all(len(server.hits(p)) == 1 for p, *_ in website.ARTICLES)
    # The page changes: one new article; the others are neither fetched again nor stored twice.
    extra = (
        "/it/articolo/nuovo",
        "Nuovo",
        "1 novembre 2024",
        "Un nuovo comunicato sul G7",
        "2024-11-01",
        website.ARTICLES[0][5].replace("Interno", "Esteri"),
    )
    server.routes["/it/articolo/nuovo"] = Reply(200, website.article_page(extra[3], extra[4], extra[5]), {"Content-Type": "text/html"})
    server.routes["/it/notizie"] = website.conditional(website.listing_page([*website.ARTICLES, extra]), '"l2"', "text/html")
    [third] = _rerun(migrated_db, settings).results
    assert (third.outcome, third.new, third.seen) == ("ok", 1, 3)
    assert all(len(server.hits(p)) == 1 for p, *_ in website.ARTICLES) and len(server.hits("/it/articolo/nuovo")) == 1
    assert len(_items(migrated_db)) == 4
    with Session(db.engine_for(migrated_db)) as s:
        assert len(s.exec(select(Sighting)).all()) == 4


def test_listing_date_in_italian_is_used_when_the_article_has_none(server, migrated_db):
    website.build(server)
    path, _lt, listed, title, _d, text = website.ARTICLES[0]
    page = website.article_page(title, "x", text).replace(b'<meta property="article:published_time" content="xT10:00:00+02:00">', b"")
    server.routes[path] = Reply(200, page, {"Content-Type": "text/html"})
    _add(migrated_db, "it-notizie", "html", "/it/notizie", HTML_OPTIONS, server)
    ingest_due(fast_settings(migrated_db))
    got = _items(migrated_db)[server.url(path)]
    assert got.published_at.date() == dt.date(2024, 10, 4)


def test_sitemap_index_newest_first_articles_once(server, migrated_db):
    website.build(server)
    _add(migrated_db, "sitemap", "sitemap", "/sitemap.xml", None, server)
    settings = fast_settings(migrated_db)
    [first] = ingest_due(settings).results
    assert (first.outcome, first.new) == ("ok", 3), (first.error, first.bozo)
    items = _items(migrated_db)
    assert {i.title for i in items.values()} == {a[3] for a in website.ARTICLES}
    [second] = _rerun(migrated_db, settings).results
    assert second.outcome == "not_modified" and server.hits("/sitemap.xml")[1].headers.get("If-None-Match") == '"s1"'
    assert all(len(server.hits(p)) == 1 for p, *_ in website.ARTICLES) and len(_items(migrated_db)) == 3


def test_json_api_by_paths(server, migrated_db):
    website.build(server)
    _add(migrated_db, "ca-json", "json", "/api/news", JSON_OPTIONS, server)
    settings = fast_settings(migrated_db)
    [first] = ingest_due(settings).results
    assert (first.outcome, first.new) == ("ok", 2), (first.error, first.bozo)
    got = _items(migrated_db)[server.url("/api-news/1")]
    assert got.title == "Minister announces new border funding" and "smuggling networks" in got.text
    assert got.published_at == dt.datetime(2024, 11, 2, 9, tzinfo=dt.UTC)
    assert not server.hits("/api-news/1")  # the API carries the text: no article fetch
    [second] = _rerun(migrated_db, settings).results
    assert second.outcome == "not_modified" and server.hits("/api/news")[1].headers.get("If-None-Match") == '"j1"'
    assert len(_items(migrated_db)) == 2


def test_all_formats_together_each_item_once_across_reruns(server, migrated_db):
    website.build(server)
    _add(migrated_db, "it-notizie", "html", "/it/notizie", HTML_OPTIONS, server)
    _add(migrated_db, "sitemap", "sitemap", "/sitemap.xml", None, server)
    _add(migrated_db, "ca-json", "json", "/api/news", JSON_OPTIONS, server)
    settings = fast_settings(migrated_db)
    for _ in range(3):
        summary = _rerun(migrated_db, settings)
        assert summary.failed == 0
    items = _items(migrated_db)
    assert len(items) == 5  # three articles (listed twice: html and sitemap) and two API entries


# -- bad input ------------------------------------------------------------------------------------
def test_selectors_matching_nothing_are_empty_naming_the_selector(server, migrated_db):
    website.build(server)
    _add(migrated_db, "it-notizie", "html", "/it/notizie", {**HTML_OPTIONS, "link": "a.nothing-here"}, server)
    [r] = ingest_due(fast_settings(migrated_db)).results
    assert r.health == "empty" and "a.nothing-here" in r.reason


def test_article_that_cannot_be_extracted_keeps_the_listing_title_and_is_flagged(server, migrated_db):
    website.build(server)
    path = website.ARTICLES[1][0]
    server.routes[path] = Reply(500, b"boom")
    _add(migrated_db, "it-notizie", "html", "/it/notizie", HTML_OPTIONS, server)
    [r] = ingest_due(fast_settings(migrated_db, fetch_attempts=1)).results
    assert r.new == 3 and r.unextracted == 1 and f"{server.url(path)}: article not fetched: HTTP 500" in r.bozo
    got = _items(migrated_db)[server.url(path)]
    assert got.title == "Incontro Meloni-Starmer" and got.published_at.date() == dt.date(2024, 9, 16)


def test_sitemap_index_bomb_is_cut_at_the_caps(server, migrated_db):
    website.build(server)
    server.routes["/sitemap.xml"] = Reply(200, website.sitemap_index(server, 2000), {"Content-Type": "application/xml"})
    for i in range(2000):
        server.routes[f"/sitemap-{i}.xml"] = Reply(200, website.urlset(server, [(f"/x/{i}/{j}", "2024-01-01") for j in range(50)]))
    _add(migrated_db, "bomb", "sitemap", "/sitemap.xml", None, server)
    [r] = ingest_due(fast_settings(migrated_db, sitemap_max_files=3, sitemap_max_urls=120, fetch_max_articles=4, fetch_attempts=1)).results
    children = [s for s in server.requests if s.path.startswith("/sitemap-")]
    assert len(children) == 3
    assert len([s for s in server.requests if s.path.startswith("/x/")]) == 4  # articles per run capped too
    assert r.deferred == 116 and "TRIAGE_SITEMAP_MAX_FILES" in r.bozo
    with Session(db.engine_for(migrated_db)) as s:
        assert s.get(Source, "bomb").etag is None  # deferred articles: no validators, the next run reads it again


def test_oversized_sitemap_is_cut_at_the_byte_cap(server, migrated_db):
    server.routes["/big.xml"] = Reply(200, website.urlset(server, [(f"/p/{j}", "2024-01-01") for j in range(20_000)]))
    _add(migrated_db, "big", "sitemap", "/big.xml", None, server)
    [r] = ingest_due(fast_settings(migrated_db, fetch_max_bytes=100_000)).results
    assert r.health == "failing" and "too large" in r.error


def test_article_link_to_a_private_address_is_refused(server, migrated_db, monkeypatch):
    from triage.sources import netguard

    original = netguard.refusal
    monkeypatch.setattr(netguard, "refusal", lambda ip: None if ip == "127.0.0.1" else original(ip))
    server.routes["/list"] = Reply(200, b'<html><body><a class="link" href="http://169.254.169.254/latest/meta-data/">x</a></body></html>')
    _add(migrated_db, "it-notizie", "html", "/list", {"link": "a.link"}, server)
    [r] = ingest_due(fast_settings(migrated_db, fetch_allow_private_addresses=False)).results
    assert "169.254.169.254 (link-local)" in r.bozo and "address refused" in r.bozo


def test_robots_txt_is_asked_before_articles_and_obeyed(server, migrated_db):
    website.build(server)
    server.routes["/robots.txt"] = Reply(200, b"User-agent: Triage\nDisallow: /it/articolo/meloni-starmer\n")
    _add(migrated_db, "it-notizie", "html", "/it/notizie", HTML_OPTIONS, server)
    [r] = ingest_due(fast_settings(migrated_db)).results
    assert r.new == 3 and r.unextracted == 1 and "robots.txt" in r.bozo
    assert not server.hits("/it/articolo/meloni-starmer") and len(server.hits("/robots.txt")) == 1
    assert _items(migrated_db)[server.url("/it/articolo/meloni-starmer")].title == "Incontro Meloni-Starmer"


def test_a_card_without_a_date_does_not_borrow_another_cards_date():
    from triage.sources.formats import Document, FormatContext, read

    page = (
        b'<html><body><main><div class="card"><a class="link" href="/a">A</a></div>'
        b'<div class="card"><a class="link" href="/b">B</a><span class="data">4 ottobre 2024</span></div>'
        b'<a href="/it/notizie">Notizie</a></main></body></html>'
    )
    parsed = read(
        "html",
        Document(page, "text/html", "https://example.org/it/notizie"),
        FormatContext(options={"link": "a", **{k: v for k, v in HTML_OPTIONS.items() if k != "link"}}),
    )
    dates = {e.link: e.published for e in parsed.entries}
    assert dates == {"https://example.org/a": None, "https://example.org/b": dt.datetime(2024, 10, 4, tzinfo=dt.UTC)}

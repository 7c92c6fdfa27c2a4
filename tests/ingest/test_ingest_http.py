"""Every bad input of issue 3, served from loopback and ingested on SQLite and PostgreSQL.

Each case must end with a visible outcome (a FetchLog row and the summary), no crash,
no hang, and every valid entry stored.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlmodel import Session, select

from tests.ingest.feedserver import Reply, add_source, fast_settings, item, rss
from triage import db
from triage.models import FetchLog, Item, Sighting, Source, utcnow
from triage.sources.health import health
from triage.sources.ingest import ingest_due

pytestmark = pytest.mark.timeout(60)

GOOD = rss(item(1), item(2)).encode()
NO_LINK_NO_DATE = rss(
    item("nolink", link=False),
    item("nodate", date=None),
    item("epoch", date="Thu, 01 Jan 1970 00:00:00 GMT"),
    item("future", date="Fri, 01 Jan 2099 00:00:00 GMT"),
    item("script", title="Arrests &lt;script&gt;alert(document.cookie)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; in Calais"),
).encode()
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "'
    + "ha" * 20_000
    + '">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n'
    + rss(item(1, title="&b;"), item(2)).split("?>", 1)[1]
).encode()
BIG = b"<rss>" + b"<!-- padding -->" * (20 * 1024 * 1024 // 16) + b"</rss>"

# name: (reply or replies, expected outcome, entries expected stored, text expected in FetchLog error/bozo)
CASES = {
    "hung connection": (Reply(200, GOOD, delay=30), "error", 0, "timeout"),
    "server error 500": (Reply(500, b"oops"), "error", 0, "HTTP 500"),
    "bad gateway then ok": ([Reply(502), Reply(200, GOOD)], "ok", 2, None),
    "429 with Retry-After then ok": ([Reply(429, b"", {"Retry-After": "0"}), Reply(200, GOOD)], "ok", 2, None),
    "not found": (Reply(404), "error", 0, "HTTP 404"),
    "redirect loop": (Reply(302, b"", {"Location": "/feed"}), "error", 0, "too many redirects"),
    "wrong content type": (Reply(200, GOOD, {"Content-Type": "image/png"}), "ok", 2, "served as image/png"),
    "html instead of xml": (
        Reply(200, b"<!doctype html><html><body><h1>Ministry</h1><p>News</p></body></html>", {"Content-Type": "text/html"}),
        "parse_error",
        0,
        "not a feed",
    ),
    "empty body": (Reply(200, b"", {"Content-Type": "application/rss+xml"}), "parse_error", 0, "not a feed"),
    "20 MB feed": (Reply(200, BIG), "error", 0, "too large"),
    "invalid utf-8": (Reply(200, rss(item(1), item(2, title="Bad \xff byte")).encode("latin-1")), "ok", 2, "CharacterEncodingOverride"),
    "windows-1252": (Reply(200, rss(item(1, title="Réunion \x93G7\x94"), item(2), encoding="windows-1252").encode("latin-1")), "ok", 2, None),
    "shift_jis in header": (
        Reply(
            200,
            rss(item(1, title="人身取引対策の強化"), item(2)).replace(' encoding="utf-8"', "").encode("shift_jis"),
            {"Content-Type": "text/xml; charset=Shift_JIS"},
        ),
        "ok",
        2,
        None,
    ),
    "billion laughs": (Reply(200, LAUGHS), "ok", 2, "entity"),
    "malformed xml": (Reply(200, rss(item(1), item(2, title="unclosed <b>tag")).encode()), "ok", 2, "mismatched tag"),
    "no link, no date, 1970, 2099, script": (Reply(200, NO_LINK_NO_DATE), "ok", 5, "fetch time used"),
}


def _rows(url):
    with Session(db.engine_for(url)) as s:
        return (list(s.exec(select(FetchLog).order_by(FetchLog.id))), list(s.exec(select(Item).order_by(Item.id))), s.get(Source, "s1"))


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input(case, server, loaded_db):
    replies, outcome, stored, note = CASES[case]
    server.routes["/feed"] = replies
    add_source(loaded_db, "s1", server.url("/feed"))
    settings = fast_settings(loaded_db, fetch_max_bytes=1_000_000)
    started = time.monotonic()
    summary = ingest_due(settings)
    assert time.monotonic() - started < 20
    [result] = summary.results
    assert result.outcome == outcome, result
    logs, items, source = _rows(loaded_db)
    [log] = logs
    assert log.outcome == outcome and log.new_items == stored
    assert len(items) == stored
    if note:
        assert note in (log.error or "") + (log.bozo or ""), (log.error, log.bozo)
    assert summary.as_json()["failed"] == (1 if outcome in ("error", "parse_error") else 0)
    assert source.error_count == (1 if outcome in ("error", "parse_error") else 0)


def test_flags_on_entries_without_link_or_plausible_date(server, loaded_db):
    server.routes["/feed"] = Reply(200, NO_LINK_NO_DATE)
    add_source(loaded_db, "s1", server.url("/feed"), language="en")
    before = utcnow()
    ingest_due(fast_settings(loaded_db))
    _, items, _ = _rows(loaded_db)
    by_key = {i.title.split()[1] if i.title.startswith("Entry") else "script": i for i in items}
    assert by_key["nolink"].url is None and by_key["nolink"].date_missing is False
    for key in ("nodate", "epoch", "future"):
        assert by_key[key].date_missing is True
        assert before - dt.timedelta(seconds=5) <= by_key[key].published_at <= utcnow()
        assert by_key[key].in_period is False  # the fetch time is years after the 2024 period
    assert by_key["script"].title == "Arrests in Calais"
    assert all("<" not in i.title and "onerror" not in i.text for i in items)
    with Session(db.engine_for(loaded_db)) as s:
        keys = set(s.exec(select(Sighting.entry_key)))
    assert "entry-nolink" in keys  # the guid keys an entry without a link


def test_conditional_get_then_304_stores_nothing(server, loaded_db):
    server.routes["/feed"] = [Reply(200, GOOD, {"ETag": '"abc"', "Last-Modified": "Mon, 01 Jul 2024 10:00:00 GMT"}), Reply(304)]
    add_source(loaded_db, "s1", server.url("/feed"))
    first = ingest_due(fast_settings(loaded_db))
    with db.session_scope(loaded_db) as s:
        s.get(Source, "s1").next_fetch_at = None  # due again now
    second = ingest_due(fast_settings(loaded_db))
    assert first.as_json()["new"] == 2 and second.results[0].outcome == "not_modified"
    assert server.hits("/feed")[1].headers["If-None-Match"] == '"abc"'
    assert server.hits("/feed")[1].headers["If-Modified-Since"] == "Mon, 01 Jul 2024 10:00:00 GMT"
    logs, items, source = _rows(loaded_db)
    assert [log.outcome for log in logs] == ["ok", "not_modified"] and logs[1].new_items == 0
    assert len(items) == 2 and source.etag == '"abc"' and source.error_count == 0


def test_dead_source_is_polled_less_and_shows_on_health(server, loaded_db):
    server.routes["/dead"] = Reply(503)
    add_source(loaded_db, "dead", server.url("/dead"), poll_minutes=60)
    add_source(loaded_db, "alive", server.url("/alive"), stale_days=100_000)  # GOOD's entries are from 2024
    server.routes["/alive"] = Reply(200, GOOD)
    settings = fast_settings(loaded_db, fetch_attempts=1)
    waits = []
    for _ in range(3):
        ingest_due(settings)
        with db.session_scope(loaded_db) as s:
            src = s.get(Source, "dead")
            waits.append(round((src.next_fetch_at - src.last_fetch_at).total_seconds() / 60))
            src.next_fetch_at = None  # pretend the wait is over
    assert waits == [120, 240, 480]  # poll_minutes x 2^failures
    assert ingest_due(settings).results  # still polled when due
    with Session(db.engine_for(loaded_db)) as s:
        rows = {h.id: h for h in health(s)}
    assert rows["dead"].status == "failing" and rows["dead"].error_count == 4 and rows["dead"].last_success_at is None
    assert rows["alive"].status == "ok" and rows["alive"].last_success_at is not None and rows["alive"].items == 2
    # not due: nothing fetched
    hits = len(server.hits("/dead"))
    assert ingest_due(settings).results == [] and len(server.hits("/dead")) == hits


def test_recovery_resets_the_error_counter(server, loaded_db):
    server.routes["/feed"] = [Reply(500), Reply(200, GOOD)]
    add_source(loaded_db, "s1", server.url("/feed"))
    settings = fast_settings(loaded_db, fetch_attempts=1)
    ingest_due(settings)
    with db.session_scope(loaded_db) as s:
        assert s.get(Source, "s1").error_count == 1
        s.get(Source, "s1").next_fetch_at = None
    ingest_due(settings)
    _, items, source = _rows(loaded_db)
    assert source.error_count == 0 and source.last_error is None and len(items) == 2


def test_one_failing_source_does_not_stop_the_others(server, loaded_db):
    server.routes["/ok"] = Reply(200, GOOD)
    server.routes["/bad"] = Reply(500)
    add_source(loaded_db, "ok", server.url("/ok"))
    add_source(loaded_db, "bad", server.url("/bad"))
    summary = ingest_due(fast_settings(loaded_db, fetch_attempts=1))
    j = summary.as_json()
    assert (j["sources"], j["ok"], j["failed"], j["new"]) == (2, 1, 1, 2)


def test_rerun_stores_nothing_twice(server, loaded_db):
    server.routes["/feed"] = Reply(200, GOOD)
    add_source(loaded_db, "s1", server.url("/feed"))
    ingest_due(fast_settings(loaded_db))
    with db.session_scope(loaded_db) as s:
        s.get(Source, "s1").next_fetch_at = None
    again = ingest_due(fast_settings(loaded_db)).as_json()
    assert (again["new"], again["seen"]) == (0, 2)
    _, items, _ = _rows(loaded_db)
    assert len(items) == 2

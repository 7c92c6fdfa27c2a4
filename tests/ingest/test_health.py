"""Health that never says ok when nothing came: empty, stale, not_a_feed, blocked, failing."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest
from sqlmodel import Session

from tests.ingest.feedserver import Reply, add_source, fast_settings, item, rss
from triage import db
from triage.models import Source
from triage.schedule.digest import build_digest
from triage.sources.ingest import ingest_due

pytestmark = pytest.mark.timeout(60)

EMPTY_ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Global Affairs Canada</title><id>urn:x</id>
<updated>2026-03-19T00:00:00Z</updated></feed>"""
HTML = b"<!doctype html><html><head><title>Les flux RSS</title></head><body><p>Abonnez-vous</p></body></html>"


def _recent(days: int = 1) -> str:
    return email.utils.format_datetime(dt.datetime.now(dt.UTC) - dt.timedelta(days=days))


@pytest.fixture
def site(server):
    server.routes["/empty"] = Reply(200, EMPTY_ATOM, {"Content-Type": "application/atom+xml"})
    server.routes["/stale"] = Reply(200, rss(item(1, date=_recent(90))).encode())
    server.routes["/html"] = Reply(200, HTML, {"Content-Type": "text/html; charset=utf-8"})
    server.routes["/fresh"] = Reply(200, rss(item(2, date=_recent(1))).encode())
    server.routes["/walled"] = Reply(403, b"Access denied")
    return server


@pytest.mark.parametrize(
    ("path", "health", "words"), [("empty", "empty", "no entries"), ("stale", "stale", "days old"), ("html", "not_a_feed", "HTML")]
)
def test_feeds_check_exits_non_zero_and_says_why(cli, loaded_db, site, monkeypatch, path, health, words):
    monkeypatch.setenv("TRIAGE_FETCH_ATTEMPTS", "1")
    add_source(loaded_db, path, site.url("/" + path))
    result = cli("feeds", "check", path)
    assert result.code == 1, result.out
    assert health in result.out and words in result.out
    as_json = cli("feeds", "check", path, "--json")
    assert as_json.code == 1 and as_json.json[0]["health"] == health


def test_feeds_check_on_a_fresh_feed_is_ok(cli, loaded_db, site):
    add_source(loaded_db, "fresh", site.url("/fresh"))
    result = cli("feeds", "check", "fresh")
    assert result.code == 0 and "ok" in result.out


def test_health_stored_with_reason_and_since_and_shown(cli, loaded_db, site):
    for name in ("empty", "stale", "html", "fresh", "walled"):
        add_source(loaded_db, name, site.url("/" + name))
    ingest_due(fast_settings(loaded_db, fetch_attempts=1))
    with Session(db.engine_for(loaded_db)) as s:
        got = {
            n: (s.get(Source, n).health, s.get(Source, n).health_error, s.get(Source, n).health_since)
            for n in ("empty", "stale", "html", "fresh", "walled")
        }
    assert {n: g[0] for n, g in got.items()} == {"empty": "empty", "stale": "stale", "html": "not_a_feed", "fresh": "ok", "walled": "blocked"}
    assert all(g[2] is not None for g in got.values()) and got["fresh"][1] is None and "403" in got["walled"][1]
    listed = cli("feeds", "list", "--json")
    rows = {r["id"]: r for r in listed.json}
    assert rows["empty"]["status"] == "empty" and rows["empty"]["reason"] and rows["empty"]["health_since"]
    table = cli("feeds", "list")
    assert table.code == 0 and "not_a_feed" in table.out and "blocked" in table.out
    with Session(db.engine_for(loaded_db)) as s:
        md = build_digest(s, dt.datetime.now(dt.UTC)).markdown()
    for name in ("empty", "stale", "html", "walled"):
        assert f"- {name}:" in md
    assert "- fresh:" not in md


def test_health_since_moves_only_when_the_verdict_changes(loaded_db, site):
    add_source(loaded_db, "empty", site.url("/empty"))
    settings = fast_settings(loaded_db)
    ingest_due(settings)
    with db.session_scope(loaded_db) as s:
        first = s.get(Source, "empty").health_since
        s.get(Source, "empty").next_fetch_at = None
    ingest_due(settings)
    with Session(db.engine_for(loaded_db)) as s:
        assert s.get(Source, "empty").health_since == first


def test_remote_text_is_printed_as_plain_text(cli, loaded_db, server):
    """A Content-Type of `text/plain[/x]` once crashed `triage ingest` as console markup, after storing."""
    server.routes["/f"] = Reply(200, rss(item(1, date=_recent())).encode(), {"Content-Type": "text/plain[/x]"})
    add_source(loaded_db, "markup", server.url("/f"))
    result = cli("ingest")
    assert result.code == 0, result.err
    assert "text/plain[/x]" in result.out


def test_user_arguments_are_printed_as_plain_text(cli, loaded_db):
    result = cli("feeds", "check", "[bold]nope[/x]")
    assert result.code == 2 and "[bold]nope[/x]" in result.err


def test_an_empty_feed_answering_304_stays_empty(loaded_db, server):
    server.routes["/e"] = [Reply(200, EMPTY_ATOM, {"ETag": '"e1"'}), Reply(304)]
    add_source(loaded_db, "e", server.url("/e"))
    settings = fast_settings(loaded_db)
    ingest_due(settings)
    with db.session_scope(loaded_db) as s:
        s.get(Source, "e").next_fetch_at = None
    [r] = ingest_due(settings).results
    assert r.outcome == "not_modified" and r.health == "empty"

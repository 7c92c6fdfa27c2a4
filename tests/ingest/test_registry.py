"""The shipped registry's coverage, and `triage feeds list|add|check`."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlmodel import Session

from tests.conftest import CATALOGUE, ROOT
from tests.ingest.feedserver import Reply, add_source, item, rss
from triage import db
from triage.catalogue import load_catalogue
from triage.models import Source
from triage.sources.registry import load_registry, registry_files

pytestmark = pytest.mark.timeout(60)
OFFICES = ("pm", "foreign", "interior", "justice")


def test_registry_covers_every_member_and_validates():
    members = [m.key for m in load_catalogue(CATALOGUE).members]
    registry = load_registry(ROOT / "feeds", members)  # raises on any invalid entry, naming file and line
    official = Counter(s.member for s in registry.sources if s.kind == "official" and s.enabled)
    assert len(members) == 8
    for member in members:
        assert official[member] >= 3, f"{member} has {official[member]} official sources"
    news = [s for s in registry.sources if s.member == "any" and s.kind == "news"]
    assert len(news) >= 1
    eu = {s.publisher for s in registry.sources if s.member == "european-union"}
    assert {"Council of the EU", "European Commission", "Europol", "Eurojust", "Frontex"} <= eu
    assert all(str(s.url).startswith("https://") for s in registry.sources)
    # samples are data for `ingest --samples`, never part of the registry
    assert all(p.parent == ROOT / "feeds" for p in registry_files(ROOT / "feeds"))


def test_feeds_add_then_list(cli, loaded_db):
    ok = cli("feeds", "add", "https://www.example.org/feed.xml", "--id", "ca-extra", "--member", "canada", "--publisher", "Extra", "--language", "en")
    assert ok.code == 0, ok.err
    with Session(db.engine_for(loaded_db)) as s:
        row = s.get(Source, "ca-extra")
        assert row.origin == "cli" and row.member == "canada" and row.enabled
    listed = cli("feeds", "list", "--json")
    assert any(r["id"] == "ca-extra" and r["status"] == "never fetched" for r in listed.json)
    assert cli("feeds", "add", "https://x.org/f", "--id", "ca-extra", "--member", "canada", "--publisher", "X").code == 2
    bad = cli("feeds", "add", "https://x.org/f", "--id", "narnia-1", "--member", "narnia", "--publisher", "X")
    assert bad.code == 2 and "unknown member 'narnia'" in bad.err
    bad = cli("feeds", "add", "not a url", "--id", "x", "--member", "canada", "--publisher", "X")
    assert bad.code == 2 and "url" in bad.err.lower()


def test_feeds_check_against_loopback(cli, loaded_db, server, monkeypatch):
    monkeypatch.setenv("TRIAGE_FETCH_ATTEMPTS", "1")
    monkeypatch.setenv("TRIAGE_FETCH_READ_TIMEOUT", "0.5")
    server.routes["/good"] = Reply(200, rss(item(1, date="Tue, 02 Jul 2024 10:00:00 +0000"), item(2)).encode())
    server.routes["/gone"] = Reply(404)
    add_source(loaded_db, "good", server.url("/good"), stale_days=100_000)  # entries from 2024 are not stale here
    add_source(loaded_db, "gone", server.url("/gone"))
    result = cli("feeds", "check", "good", "--json")
    assert result.code == 0, result.err
    [row] = result.json
    assert (row["outcome"], row["http_status"], row["entries"]) == ("ok", 200, 2)
    assert row["newest"].startswith("2024-07-02T10:00")
    both = cli("feeds", "check")
    assert both.code == 1 and "HTTP 404" in both.out and "good" in both.out
    assert cli("feeds", "check", "nope").code == 2
    with Session(db.engine_for(loaded_db)) as s:  # a check stores nothing
        assert s.get(Source, "good").last_fetch_at is None


def test_feeds_list_shows_health(cli, loaded_db, server, monkeypatch):
    monkeypatch.setenv("TRIAGE_FETCH_ATTEMPTS", "1")
    server.routes["/bad"] = Reply(500)
    add_source(loaded_db, "bad", server.url("/bad"))
    assert cli("ingest").code == 1
    result = cli("feeds", "list")
    assert result.code == 0 and "failing" in result.out and "HTTP 500" in result.out

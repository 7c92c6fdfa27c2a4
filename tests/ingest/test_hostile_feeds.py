"""Hostile feed documents: entity expansion in any encoding, and one bad entry among good ones."""

from __future__ import annotations

import tracemalloc

import pytest
from sqlmodel import Session, select

from tests.ingest.feedserver import Reply, add_source, fast_settings, item, rss
from triage import db
from triage.models import FetchLog, Item
from triage.sources.ingest import ingest_due
from triage.sources.parser import parse_feed

pytestmark = pytest.mark.timeout(60)


def _bomb_text(encoding: str) -> str:
    # 4,000 references to a 5,000-character entity: 20 million characters if expanded.
    body = rss(item(1, text="&a;" * 4_000), item(2)).split("?>", 1)[1]
    return f'<?xml version="1.0" encoding="{encoding}"?>\n<!DOCTYPE rss [\n<!ENTITY a "' + "x" * 5_000 + '">\n]>\n' + body


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"])
def test_entity_expansion_is_bounded_in_every_encoding(encoding):
    declared = encoding.split("-le")[0].split("-be")[0] if encoding.startswith("utf-32") else encoding
    data = _bomb_text(declared).encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        data = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff", "utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff"}[
            encoding
        ] + data
    tracemalloc.start()
    parsed = parse_feed(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(parsed.entries) == 2, parsed.bozo
    longest = max(len(e.summary) + len(e.content) + len(e.title) for e in parsed.entries)
    assert longest < 50_000, longest
    assert "entity" in (parsed.bozo or "")
    assert peak < 60_000_000, peak


def test_one_unparseable_entry_is_rejected_and_the_others_kept():
    data = rss(item(1), item(2, text="bad &#xD800; reference"), item(3)).encode()
    parsed = parse_feed(data)
    assert [e.key for e in parsed.entries] == ["https://example.org/news/1", "https://example.org/news/3"]
    [rejected] = parsed.rejected
    assert rejected.key == "https://example.org/news/2" and "unparseable entry" in rejected.reason


@pytest.mark.parametrize("where", ["guid", "link"])
def test_nul_in_an_entry_id_or_link_is_rejected(where):
    bad = item(2).replace("<guid>https://example.org/news/2", "<guid>https://example.org/news/2&#0;x")
    if where == "link":
        bad = (
            item(2)
            .replace("<link>https://example.org/news/2", "<link>https://example.org/news/2&#0;x")
            .replace("<guid>", "<guid isPermaLink='false'>")
        )
        bad = bad.replace("<guid isPermaLink='false'>https://example.org/news/2</guid>", "")
    parsed = parse_feed(rss(item(1), bad, item(3)).encode())
    assert len(parsed.entries) == 2
    assert len(parsed.rejected) == 1 and "U+0000" in parsed.rejected[0].reason


@pytest.mark.parametrize("bad", ["bad &#xD800; reference", "NUL", "NUL in title"])
def test_feed_with_one_bad_entry_stores_the_others(server, migrated_db, bad):
    if bad == "NUL":
        entry = item(2).replace("<guid>https://example.org/news/2", "<guid>https://example.org/news/2&#0;")
    elif bad == "NUL in title":
        entry = item(2, title="A title with &#0; inside")
    else:
        entry = item(2, text=bad)
    server.routes["/f"] = Reply(200, rss(item(1), entry, item(3)).encode())
    add_source(migrated_db, "s1", server.url("/f"), language="en")
    summary = ingest_due(fast_settings(migrated_db))
    [r] = summary.results
    if bad == "NUL in title":  # cleaned away, or refused by the database alone: never the whole feed
        assert r.outcome == "ok" and r.new + r.rejected == 3 and r.new >= 2, (r.outcome, r.error)
        return
    assert r.outcome == "ok" and r.new == 2 and r.rejected == 1, (r.outcome, r.error)
    with Session(db.engine_for(migrated_db)) as s:
        assert len(s.exec(select(Item)).all()) == 2
        log = s.exec(select(FetchLog)).one()
        assert log.rejected == 1 and "rejected" in (log.bozo or "")


def test_an_entry_the_database_refuses_is_rejected_alone(server, migrated_db, monkeypatch):
    """Whatever the database refuses (PostgreSQL: NUL in text), only that entry is lost, with its reason."""
    from triage.sources import processor

    real = processor.item_values

    def refusing(draft, period):
        row = real(draft, period)
        if "Entry 2 " in draft.title:
            row["url"] = "https://example.org/\x00" if migrated_db.startswith("postgresql") else None
            if not migrated_db.startswith("postgresql"):
                raise ValueError("A string literal cannot contain NUL (0x00) characters.")
        return row

    monkeypatch.setattr(processor, "item_values", refusing)
    server.routes["/f"] = Reply(200, rss(item(1), item(2), item(3)).encode())
    add_source(migrated_db, "s1", server.url("/f"), language="en")
    [r] = ingest_due(fast_settings(migrated_db)).results
    assert (r.outcome, r.new, r.rejected) == ("ok", 2, 1), (r.outcome, r.error, r.bozo)
    assert "NUL" in r.bozo and "news/2" in r.bozo

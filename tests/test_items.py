"""Items are stored once: canonical URLs, content hashes, concurrent inserts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import Session, func, select

from triage import db
from triage.items import ItemDraft, canonical_url, content_hash, store_item
from triage.models import Item

UTC = dt.UTC


@pytest.mark.parametrize(
    "raw, canon",
    [
        ("HTTP://WWW.Gov.UK/government/news/x/?utm_source=rss&utm_medium=feed#top", "https://gov.uk/government/news/x"),
        ("https://example.org:443/a//b/?b=2&a=1&fbclid=zzz", "https://example.org/a/b?a=1&b=2"),
        ("https://example.org/", "https://example.org/"),
        ("https://example.org:8443/p", "https://example.org:8443/p"),
        ("https://www.dailymail.co.uk/news/a.html?ns_mchannel=rss&ito=1490&ns_campaign=1490", "https://dailymail.co.uk/news/a.html"),
        (None, None),
        ("urn:uuid:1234", "urn:uuid:1234"),
    ],
)
def test_canonical_url(raw, canon):
    assert canonical_url(raw) == canon


def test_content_hash_ignores_case_and_whitespace():
    assert content_hash("Title", "Some  text\n here") == content_hash("title ", "some text here")
    assert content_hash("Title", "Some text") != content_hash("Title", "Other text")


def test_store_item_once(loaded_db):
    draft = ItemDraft(
        title="Europol arrests smugglers",
        text="On 1 July 2024 ...",
        url="https://europol.europa.eu/news/1?utm_source=x",
        published_at=dt.datetime(2024, 7, 1, 9, tzinfo=UTC),
    )
    with db.session_scope(loaded_db) as s:
        item, created = store_item(s, draft, (dt.date(2024, 6, 15), dt.date(2024, 12, 20)))
        assert created and item.in_period is True and item.canonical_url == "https://europol.europa.eu/news/1"
    with db.session_scope(loaded_db) as s:
        again, created = store_item(s, draft)
        assert not created and again.id == item.id
        # same page, re-announced with a tracking parameter and slightly different text
        moved = ItemDraft(title="Europol arrests smugglers (updated)", text="...", url="http://www.europol.europa.eu/news/1/?fbclid=1")
        same, created = store_item(s, moved)
        assert not created and same.id == item.id
    with Session(db.engine_for(loaded_db)) as s:
        assert s.exec(select(func.count()).select_from(Item)).one() == 1


def test_out_of_period_item_is_kept_and_marked(loaded_db):
    with db.session_scope(loaded_db) as s:
        item, created = store_item(
            s, ItemDraft(title="Old news", text="x", published_at=dt.datetime(2023, 1, 1, tzinfo=UTC)), (dt.date(2024, 6, 15), dt.date(2024, 12, 20))
        )
        assert created and item.in_period is False

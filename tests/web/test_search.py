"""Search and the Items view (SQLite FTS5 and PostgreSQL full-text search), the queue's search
filter, and "Propose as evidence" prefilled from an item."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session, select

from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.items import ItemDraft, store_item
from triage.models import Item, Suggestion


def _add_unsuggested(url: str) -> int:
    with db.session_scope(url) as s:
        index = CatalogueIndex.load(s)
        item, _ = store_item(
            s,
            ItemDraft(
                title="Europol coordinates action day against smuggling networks",
                text="Europol and national police arrested 40 suspects of a migrant smuggling ring.",
                url="https://www.europol.europa.eu/news/action-day",
                publisher="Europol",
                language="en",
                published_at=dt.datetime(2024, 7, 12, tzinfo=dt.UTC),
            ),
            index.period,
        )
        item.status = "not_relevant"
        item.status_reason = "the rules found no member named"
        s.add(item)
        return item.id


def test_search_finds_items_whatever_their_state_with_highlights(as_user, seeded):
    europol = _add_unsuggested(seeded.url)
    ana = as_user("ana")
    page = ana.get("/items", params={"q": "smuggl europol"})
    assert page.status_code == 200
    assert f'data-id="{europol}"' in page.text and '<mark class="hit">Europol</mark>' in page.text
    assert "not relevant" in page.text and "the rules found no member named" in page.text
    everything = ana.get("/items")
    assert everything.status_code == 200 and f'data-id="{europol}"' in everything.text
    for item_id in seeded.items:
        assert f'data-id="{item_id}"' in everything.text
    narrowed = ana.get("/items", params={"q": "europol", "state": "classified"})
    assert f'data-id="{europol}"' not in narrowed.text
    assert "No item matches" in ana.get("/items", params={"q": "zzzzunknownword"}).text
    # Query syntax of either engine is only words here: none of it is an error.
    for hostile in ['"', "a OR", "NEAR(", "foo:*", "!!&|", "'; drop table item; --"]:
        r = ana.get("/items", params={"q": hostile})
        assert r.status_code in (200, 400), (hostile, r.status_code)


def test_the_queue_filters_by_search(as_user, seeded):
    ana = as_user("ana")
    page = ana.get("/queue", params={"q": "Japan item", "scope": "all"})
    assert page.status_code == 200 and "2 suggestions" in page.text
    api = ana.get("/api/queue", params={"q": "germany"}, headers={"accept": "application/json"})
    assert {r["item_id"] for r in api.json()["rows"]} == {seeded.items[5]}


def test_propose_as_evidence_is_prefilled_from_the_item(as_user, seeded):
    europol = _add_unsuggested(seeded.url)
    ana = as_user("ana")
    item_page = ana.get(f"/items/{europol}")
    assert f'href="/evidence/new?item={europol}"' in item_page.text
    form = ana.get("/evidence/new", params={"item": europol})
    assert 'value="https://www.europol.europa.eu/news/action-day"' in form.text and "arrested 40 suspects" in form.text
    r = ana.post(
        "/evidence",
        data={
            "item": str(europol),
            "url": "https://www.europol.europa.eu/news/action-day",
            "title": "Europol coordinates action day against smuggling networks",
            "publisher": "Europol",
            "published": "2024-07-12",
            "language": "en",
            "text": "Europol and national police arrested 40 suspects of a migrant smuggling ring.",
            "member": "france",
            "commitment": "19",
            "dimension": "dismantle",
            "strength": "weak",
            "quote": "arrested 40 suspects",
            "action_date": "",
            "rationale": "",
            "csrf_token": ana.csrf,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    with Session(db.engine_for(seeded.url)) as s:
        made = s.exec(select(Suggestion).where(Suggestion.item_id == europol)).all()
        assert len(made) == 1 and made[0].quote_verified
        assert s.exec(select(Item).where(Item.url == "https://www.europol.europa.eu/news/action-day")).all().__len__() == 1
    assert ana.get("/evidence/new", params={"item": "999999"}).status_code == 404

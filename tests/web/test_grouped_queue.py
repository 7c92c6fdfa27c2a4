"""The queue per item: suggestions grouped under their item, repeats of accepted evidence folded."""

from __future__ import annotations

from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.models import Item
from triage.suggestions import Proposal, store_suggestion


def _second_suggestions(url, item_id):
    """Two more suggestions on one item: one repeats the (to be accepted) first, one is new."""
    with db.session_scope(url) as s:
        index = CatalogueIndex.load(s)
        item = s.get(Item, item_id)
        a, _ = store_suggestion(
            s, index, item, Proposal("United Kingdom", 19, "counter", "weak", confidence=0.5, quote="acted number 0"), agent="llm:x", agent_kind="llm"
        )
        b, _ = store_suggestion(
            s, index, item, Proposal("France", 19, "prevent", "weak", confidence=0.45, quote="acted number 0"), agent="llm:x", agent_kind="llm"
        )
        return a.id, b.id


def test_one_block_per_item_with_its_suggestions_and_repeats_folded(as_user, seeded):
    repeat, other = _second_suggestions(seeded.url, seeded.items[0])
    ana = as_user("ana")
    first = seeded.suggestions[0]
    assert ana.post(f"/suggestions/{first}/decide", data={"action": "accept", "version": "1", "csrf_token": ana.csrf}).status_code in (200, 303)
    page = ana.get("/queue", params={"group": "item", "scope": "all"})
    assert page.status_code == 200
    blocks = page.text.split('<article class="group"')[1:]
    assert len(blocks) == len(seeded.items) + 1  # every item with a pending suggestion, once (the hostile one too)
    block = next(b for b in blocks if f'data-item="{seeded.items[0]}"' in b)
    assert f'data-id="{other}"' in block.split('<details class="folded">')[0]
    assert '<details class="folded">' in block and f'data-id="{repeat}"' in block.split('<details class="folded">')[1]
    assert "Reject all 1 of this item" in block
    assert 'id="folded-count"' in page.text
    searched = ana.get("/queue", params={"group": "item", "scope": "all", "q": "germany"})
    assert searched.text.count('<article class="group"') == 1 and '<mark class="hit">Germany</mark>' in searched.text


def test_grouped_pages_follow_on(as_user, seeded, monkeypatch):
    ana = as_user("ana")
    monkeypatch.setattr("triage.web.routes.queue.settings_of", lambda r: type("S", (), {"web_page_size": 10})())
    seen = []
    url, params = "/queue", {"group": "item", "scope": "all"}
    for _ in range(5):
        page = ana.get(url, params=params)
        seen += [b.split('"')[1] for b in page.text.split('<article class="group" data-item=')[1:]]
        if 'id="next-page"' not in page.text:
            break
        params = dict(
            params, after=page.text.split('id="next-page" href="/queue?')[1].split('"')[0].split("after=")[1].split("&")[0].replace("%7E", "~")
        )
    assert sorted(seen) == sorted(str(i) for i in [*seeded.items, seeded.xss_item])


def test_saved_views_are_per_user_and_checked(as_user, seeded):
    ana, bob = as_user("ana"), as_user("bob")
    r = ana.post(
        "/views", data={"name": "Japan", "page": "queue", "query": "member=japan&group=item", "csrf_token": ana.csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/queue?member=japan&group=item"
    page = ana.get("/queue")
    assert 'href="/queue?member=japan&amp;group=item">Japan</a>' in page.text
    assert ">Japan</a>" not in bob.get("/queue").text
    bad = ana.post("/views", data={"name": "Broken", "page": "queue", "query": "date_to=9999-99-99", "csrf_token": ana.csrf})
    assert bad.status_code == 400
    view_id = page.text.split('action="/views/')[1].split("/")[0]
    assert bob.post(f"/views/{view_id}/delete", data={"csrf_token": bob.csrf}).status_code == 404
    assert ana.post(f"/views/{view_id}/delete", data={"csrf_token": ana.csrf}, follow_redirects=False).status_code == 303
    assert ">Japan</a>" not in ana.get("/queue").text

"""The queue service: filters, keyset pages in every order (undated items included), counts
per facet, the counts cache, assignments, evidence found elsewhere, the story view."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlmodel import select

from triage.catalogue.index import CatalogueIndex
from triage.errors import InputError
from triage.items import ItemDraft, store_item
from triage.models import Decision, Item, Suggestion, User
from triage.review import queue as q
from triage.review.assignments import assign, list_assignments, reassign, unassign
from triage.review.decisions import Forbidden, decide
from triage.review.evidence import accepted_evidence, accepted_marks
from triage.review.manual import ManualEvidence, add_evidence
from triage.review.story import load_story
from triage.suggestions import Proposal, store_suggestion

UTC = dt.UTC


@pytest.fixture
def many(session, world):
    """30 more suggestions with repeated confidences and dates, some items undated."""
    index = CatalogueIndex.load(session)
    members = ["Canada", "France", "Germany", "Italy", "European Union"]
    for n in range(30):
        published = None if n % 7 == 0 else dt.datetime(2024, 8, 1 + n % 5, 10, tzinfo=UTC)
        item, _ = store_item(
            session, ItemDraft(title=f"Many {n}", text=f"text {n} acted", published_at=published, language="en" if n % 2 else "fr"), index.period
        )
        store_suggestion(
            session,
            index,
            item,
            Proposal(
                members[n % 5],
                19,
                ["prevent", "counter"][n % 2],
                "weak",
                confidence=[0.5, 0.7, 0.9][n % 3],
                quote="acted" if n % 4 else "missing words",
            ),
            agent="rules:test",
            agent_kind="rules",
        )
    session.commit()
    return index


def _walk(session, index, params, limit=4):
    f = q.parse_filter(params, index)
    seen, after = [], None
    while True:
        page = q.page(session, index, f, None, after=after, limit=limit)
        seen += page.rows
        if not page.next_cursor:
            return seen
        after = page.next_cursor


@pytest.mark.parametrize("sort", ["confidence", "date"])
@pytest.mark.parametrize("order", ["desc", "asc"])
def test_keyset_pages_are_the_full_order(session, many, sort, order):
    index = many
    rows = _walk(session, index, {"sort": sort, "order": order})
    everything = q.page(session, index, q.parse_filter({"sort": sort, "order": order}, index), None, limit=1000).rows
    assert [r.id for r in rows] == [r.id for r in everything]
    assert len(rows) == 34 and len({r.id for r in rows}) == 34

    def key(r):
        value = r.confidence if sort == "confidence" else r.published_at
        return (value is not None, value or 0, r.id)

    expected = sorted(rows, key=key, reverse=order == "desc")
    if sort == "date":  # undated last when newest first, first when oldest first
        dated = sorted([r for r in rows if r.published_at], key=lambda r: (r.published_at, r.id), reverse=order == "desc")
        undated = sorted([r for r in rows if not r.published_at], key=lambda r: r.id, reverse=order == "desc")
        expected = dated + undated if order == "desc" else undated + dated
    assert [r.id for r in rows] == [r.id for r in expected]
    # neighbours agree with the pages
    f = q.parse_filter({"sort": sort, "order": order}, index)
    for before, here, after in zip(rows, rows[1:], rows[2:]):
        assert q.neighbours(session, index, f, None, here.id) == (before.id, after.id)
    assert q.neighbours(session, index, f, None, rows[0].id)[0] is None
    assert q.neighbours(session, index, f, None, rows[-1].id)[1] is None


def test_filters_and_counts(session, many):
    index = many
    f = q.parse_filter({"member": "france"}, index)
    counts = q.counts(session, index, f, None)
    rows = q.page(session, index, f, None, limit=100).rows
    assert counts.total == len(rows) == 6
    assert counts.facets["member"]["france"] == 6 and counts.facets["member"]["canada"] == 6  # other values, other filters kept
    assert counts.facets["status"]["pending"] == 6
    everything = q.counts(session, index, q.parse_filter({}, index), None)
    assert everything.total == 34 and sum(everything.facets["member"].values()) == 34
    assert everything.facets["verified"][False] == 8 and everything.facets["flagged"][True] >= 8
    f = q.parse_filter({"verified": "no", "language": "fr", "conf_min": "0.6"}, index)
    rows = q.page(session, index, f, None, limit=100).rows
    assert rows and all(not r.quote_verified and r.language == "fr" and r.confidence >= 0.6 for r in rows)
    assert q.counts(session, index, f, None).total == len(rows)
    f = q.parse_filter({"date_from": "2024-08-02", "date_to": "2024-08-03"}, index)
    rows = q.page(session, index, f, None, limit=100).rows
    assert rows and all(dt.date(2024, 8, 2) <= r.published_at.date() <= dt.date(2024, 8, 3) for r in rows)
    for bad in (
        {"commitment": "99"},
        {"member": "Atlantis"},
        {"dimension": "nope"},
        {"status": "maybe"},
        {"conf_min": "0.9", "conf_max": "0.1"},
        {"date_from": "2024-09-01", "date_to": "2024-08-01"},
        {"flagged": "perhaps"},
        {"sort": "title"},
    ):
        with pytest.raises(InputError):
            q.parse_filter(bad, index)


def test_counts_cache_serves_every_facet_filter_and_is_invalidated(session, many, monkeypatch):
    index = many
    calls = []
    original = q._cube
    monkeypatch.setattr(q, "_cube", lambda s, scope: calls.append(scope.key) or original(s, scope))
    cache = q.CountsCache(seconds=60)
    for params in ({}, {"member": "france"}, {"status": "accepted", "strength": "weak"}):
        q.counts(session, index, q.parse_filter(params, index), None, cache=cache)
    assert len(calls) == 1  # facet filters share one cube
    q.counts(session, index, q.parse_filter({"language": "fr"}, index), None, cache=cache)
    assert len(calls) == 2  # a row filter is another cube
    cache.invalidate()
    assert q.counts(session, index, q.parse_filter({}, index), None, cache=cache).total == 34
    assert len(calls) == 3


def test_stale_counts_are_served_once_while_recounted(session, many, monkeypatch):
    index = many
    engine = session.get_bind()
    cache = q.CountsCache(seconds=0.05, engine=engine)
    f = q.parse_filter({}, index)
    assert q.counts(session, index, f, None, cache=cache).total == 34
    time.sleep(0.1)  # the cube is now stale
    store_item(session, ItemDraft(title="late", text="late acted"), index.period)
    item = session.exec(select(Item).where(Item.title == "late")).one()
    store_suggestion(session, index, item, Proposal("Japan", 19, "prevent", "weak", quote="acted"), agent="rules:test", agent_kind="rules")
    session.commit()
    assert q.counts(session, index, f, None, cache=cache).total == 34  # the stale cube, answered at once
    deadline = time.monotonic() + 5
    while q.counts(session, index, f, None, cache=cache).total != 35:  # the background recount lands
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_assignments_scope_the_queue(session, world, many):
    index = many
    lead, ana, bob = (session.get(User, i) for i in (world.lead, world.analyst, world.analyst2))
    with pytest.raises(Forbidden):
        assign(session, index, lead=ana, analyst=bob, commitment=19, member="japan")
    a = assign(session, index, lead=lead, analyst=ana, commitment=19, member="japan")
    assert assign(session, index, lead=lead, analyst=ana, commitment=19, member="japan").id == a.id  # idempotent
    session.commit()
    mine = q.page(session, index, q.parse_filter({}, index), ana.id, limit=100)
    assert mine.scope.assigned is True and {index.member_by_id(r.member_id).key for r in mine.rows} == {"japan"}
    assert len(q.page(session, index, q.parse_filter({"scope": "all"}, index), ana.id, limit=100).rows) == 34
    assert q.page(session, index, q.parse_filter({}, index), bob.id, limit=100).scope.assigned is False
    assign(session, index, lead=lead, analyst=bob, commitment=19, member=None)
    assert reassign(session, lead=lead, source=ana, target=bob) == 1
    session.commit()
    assert [(v.user, v.member) for v in list_assignments(session, index)] == [("bob", None), ("bob", "Japan")]
    unassign(session, lead=lead, assignment_id=list_assignments(session, index)[0].id)
    with pytest.raises(InputError):
        assign(session, index, lead=lead, analyst=ana, commitment=99, member=None)


def test_manual_evidence_goes_through_the_same_checks(session, world):
    index = CatalogueIndex.load(session)
    ana = session.get(User, world.analyst)
    evidence = ManualEvidence(
        url="https://www.gov.uk/news/1",
        title="Smugglers jailed",
        publisher="Home Office",
        published=dt.date(2024, 8, 1),
        text="Four smugglers were jailed today.",
        member="united-kingdom",
        commitment=19,
        dimension="dismantle",
        strength="strong",
        quote="smugglers were jailed",
        action_date=dt.date(2024, 8, 1),
    )
    item, sug = add_evidence(session, index, user=ana, evidence=evidence)
    assert item.origin == "manual" and item.created_by_id == ana.id and item.status == "classified"
    assert sug.agent == "analyst:ana" and sug.quote_verified and sug.status == "pending"
    again_item, again = add_evidence(session, index, user=ana, evidence=evidence)
    assert (again_item.id, again.id) == (item.id, sug.id)  # the same story is stored once
    with pytest.raises(InputError) as err:
        add_evidence(
            session,
            index,
            user=ana,
            evidence=ManualEvidence(
                url="ftp://x",
                title="",
                publisher="p",
                published=dt.date(2024, 8, 1),
                text="t",
                member="Narnia",
                commitment=19,
                dimension="deter",
                strength="huge",
            ),
        )
    assert len(err.value.problems) == 5


def test_story_shows_history_and_decisions_on_near_duplicates(session, world):
    index = CatalogueIndex.load(session)
    ana = session.get(User, world.analyst)
    first = session.get(Suggestion, world.suggestions[0])
    decide(session, index, suggestion_id=first.id, user=ana, action="accept", version=1)
    twin, _ = store_item(session, ItemDraft(title="Syndicated copy", text="Slightly different words, same story."), index.period)
    for item_id in (first.item_id, twin.id):
        session.get(Item, item_id).fingerprint = 4242
    session.commit()
    story = load_story(session, twin.id)
    assert [h.decision.action for h in story.related] == ["accept"] and story.related[0].username == "ana"
    own = load_story(session, first.item_id)
    assert [h.decision.action for h in own.history] == ["accept"] and own.related == []
    assert own.suggestions[0].state.status == "accepted" and own.suggestions[0].last_by == "ana"


def test_accepted_marks_agree_with_accepted_evidence(session, world):
    index = CatalogueIndex.load(session)
    ana = session.get(User, world.analyst)
    for sid in world.suggestions:
        decide(session, index, suggestion_id=sid, user=ana, action="accept", version=1)
    decide(session, index, suggestion_id=world.suggestions[0], user=ana, action="reject", version=2, reason="duplicate")
    decide(session, index, suggestion_id=world.suggestions[1], user=ana, action="note", note="fine")
    session.commit()
    for member in ("United Kingdom", "Japan"):
        m, c = index.member(member).id, index.commitment(19).id
        full = sorted((e.decision.dimension_id, e.decision.strength, bool(e.decision.contradictory)) for e in accepted_evidence(session, c, m))
        assert sorted(accepted_marks(session, c, m)) == full
    assert len(accepted_marks(session, index.commitment(19).id, index.member("United Kingdom").id)) == 1
    assert session.exec(select(Decision)).all()

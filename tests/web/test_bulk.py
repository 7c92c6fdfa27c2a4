"""Select-all-matching bulk reject (with the confirmed count) and one undo restoring a whole bulk action."""

from __future__ import annotations

from sqlmodel import Session, select

from triage import db
from triage.models import Decision, Suggestion


def _statuses(url, ids):
    with Session(db.engine_for(url)) as s:
        return {x.id: x.status for x in s.exec(select(Suggestion).where(Suggestion.id.in_(ids)))}


def test_undo_of_a_bulk_reject_restores_all_of_it(as_user, seeded):
    ana = as_user("ana")
    chosen = seeded.suggestions[:3]
    r = ana.post("/bulk-reject", data={"sel": [f"{i}:1" for i in chosen], "reason": "duplicate", "csrf_token": ana.csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert set(_statuses(seeded.url, chosen).values()) == {"rejected"}
    r = ana.post("/undo", data={"csrf_token": ana.csrf}, headers={"accept": "application/json"})
    assert r.status_code == 200 and r.json()["count"] == 3, r.text
    assert set(_statuses(seeded.url, chosen).values()) == {"pending"}
    with Session(db.engine_for(seeded.url)) as s:
        assert len(s.exec(select(Decision).where(Decision.action == "undo")).all()) == 3


def test_undo_of_a_bulk_action_is_refused_whole_if_someone_decided_one_since(as_user, seeded):
    ana, bob = as_user("ana"), as_user("bob")
    chosen = seeded.suggestions[:3]
    ana.post("/bulk-reject", data={"sel": [f"{i}:1" for i in chosen], "reason": "duplicate", "csrf_token": ana.csrf})
    assert bob.post(f"/suggestions/{chosen[1]}/decide", data={"action": "accept", "version": "2", "csrf_token": bob.csrf}).status_code in (200, 303)
    r = ana.post("/undo", data={"csrf_token": ana.csrf}, headers={"accept": "application/json"})
    assert r.status_code == 409
    assert _statuses(seeded.url, chosen) == {chosen[0]: "rejected", chosen[1]: "accepted", chosen[2]: "rejected"}


def test_select_all_matching_rejects_the_whole_filter_after_confirming_its_count(as_user, seeded):
    ana = as_user("ana")
    page = ana.get("/queue", params={"member": "japan", "scope": "all"})
    assert 'id="bulk-all"' in page.text and "Reject all 2 matching" in page.text
    stale = ana.post("/bulk-reject", data={"all": "3", "reason": "duplicate", "back": "member=japan&scope=all", "csrf_token": ana.csrf})
    assert stale.status_code == 409 and "matches 2 suggestions, not the 3" in stale.text
    r = ana.post("/bulk-reject", data={"all": "2", "reason": "duplicate", "back": "member=japan&scope=all", "csrf_token": ana.csrf})
    assert r.status_code == 200 and "Rejected 2" in r.text
    japan = [seeded.suggestions[2], seeded.suggestions[3]]
    assert set(_statuses(seeded.url, japan).values()) == {"rejected"}
    others = [i for i in seeded.suggestions if i not in japan]
    assert set(_statuses(seeded.url, others).values()) == {"pending"}

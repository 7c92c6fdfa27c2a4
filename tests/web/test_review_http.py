"""Deciding over HTTP: the happy paths, conflicts (409 with the current state), bad fields
(400 and nothing applied), bulk reject, undo, evidence found elsewhere, assignments."""

from __future__ import annotations

import re

from sqlmodel import Session, func, select

from tests.web.conftest import XSS_URL
from triage import db
from triage.models import Assignment, Decision, Item, Suggestion


def _decisions(url) -> list[Decision]:
    with Session(db.engine_for(url)) as s:
        return list(s.exec(select(Decision).order_by(Decision.id)))


def _suggestion(url, sid) -> Suggestion:
    with Session(db.engine_for(url)) as s:
        return s.get(Suggestion, sid)


def decide(c, sid, json=True, **data):
    headers = {"accept": "application/json"} if json else {}
    return c.post(f"/suggestions/{sid}/decide", data={"csrf_token": c.csrf, **data}, headers=headers, follow_redirects=False)


def test_accept_reject_edit_note_and_next(as_user, seeded):
    ana = as_user("ana")
    s0, s1, s2, s3 = seeded.suggestions[:4]
    r = decide(ana, s0, action="accept", version="1", back="status=pending")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert f'data-next="/review/{s1}"' in ana.get(f"/review/{s0}?status=pending").text  # where the script goes next
    r = decide(ana, s1, action="reject", version="1", reason="border_enforcement_c18")
    assert r.json()["status"] == "rejected"
    r = decide(
        ana,
        s2,
        action="edit",
        version="1",
        member="france",
        dimension="dismantle",
        strength="strong",
        action_date="2024-07-30",
        quote="acted number 2",
    )
    assert r.json()["action"] == "edit"
    r = decide(ana, s3, action="note", note="check the date with the ministry")
    assert r.json()["action"] == "note"
    rows = _decisions(seeded.url)
    assert [(d.action, d.status_after) for d in rows] == [("accept", "accepted"), ("reject", "rejected"), ("edit", "accepted"), ("note", "pending")]
    assert rows[2].before["member"] == "Japan" and rows[2].after["member"] == "France" and rows[2].after["dimension"] == "dismantle"
    # the form (no script) path redirects to the next suggestion, keeping the filter
    r = decide(ana, seeded.suggestions[4], json=False, action="accept", version="1", back="status=pending&member=france")
    assert r.status_code == 303 and r.headers["location"] == f"/review/{seeded.suggestions[4]}?member=france"  # no France left below it
    page = ana.get(f"/review/{s2}")
    assert "edit" in page.text and "ana" in page.text and "check the date with the ministry" not in page.text
    page = ana.get(f"/review/{s3}")
    assert "check the date with the ministry" in page.text  # notes show in the item's history


def test_second_analyst_gets_409_with_the_current_state(as_user, seeded):
    ana, bob = as_user("ana"), as_user("bob")
    sid = seeded.suggestions[0]
    seen_by_bob = bob.get(f"/review/{sid}").text
    assert 'data-version="1"' in seen_by_bob
    assert decide(ana, sid, action="accept", version="1").status_code == 200
    # bob's browser (script) path: JSON with the current state and who decided
    r = decide(bob, sid, action="reject", version="1", reason="not_relevant")
    assert r.status_code == 409
    body = r.json()
    assert body["error"] == "conflict" and body["current"]["status"] == "accepted" and body["last"]["by"] == "ana"
    assert body["version"] == 2
    # bob's form (no script) path: the page itself, with the conflict and the current state
    r = decide(bob, sid, json=False, action="reject", version="1", reason="not_relevant")
    assert r.status_code == 409
    assert "Conflict" in r.text and 'id="status" class="status-accepted"' in r.text and "last decided by ana" in r.text
    assert [d.action for d in _decisions(seeded.url)] == ["accept"]  # nothing overwritten
    assert _suggestion(seeded.url, sid).status == "accepted"


def test_bad_fields_are_400_and_nothing_is_applied(as_user, seeded):
    ana = as_user("ana")
    sid = seeded.suggestions[0]
    cases = [
        ({"action": "reject", "version": "1"}, "needs a reason"),
        ({"action": "reject", "version": "1", "reason": "because"}, "needs a reason"),
        ({"action": "reject", "version": "1", "reason": "other"}, "needs a note"),
        ({"action": "accept"}, "version: required"),
        ({"action": "accept", "version": "one"}, "not a whole number"),
        ({"action": "launch", "version": "1"}, "action:"),
        ({"action": "edit", "version": "1", "member": "Narnia"}, "unknown member"),
        ({"action": "edit", "version": "1", "action_date": "31/07/2024"}, "not a date"),
        ({"action": "edit", "version": "1", "strength": "medium"}, "strong or weak"),
        ({"action": "edit", "version": "1", "commitment": "5"}, "no dimension"),
        ({"action": "note", "note": "   "}, "needs text"),
        ({"action": "accept", "version": "1", "back": "conf_min=2"}, "conf_min"),
    ]
    for data, message in cases:
        r = decide(ana, sid, **data)
        assert r.status_code == 400, (data, r.status_code, r.text)
        assert message in " ".join(r.json()["problems"]), (data, r.json())
        html = decide(ana, sid, json=False, **data)
        assert html.status_code == 400 and "Bad request" in html.text
    assert _decisions(seeded.url) == []
    assert _suggestion(seeded.url, sid).version == 1
    assert ana.get("/review/abc").status_code == 422
    assert ana.get("/review/999999").status_code == 404
    assert ana.get("/queue?conf_min=abc").status_code == 400
    assert ana.get("/queue?date_from=2024-13-01").status_code == 400
    assert ana.get("/queue?after=garbage").status_code == 400


def test_bulk_reject_and_its_conflicts(as_user, seeded):
    ana, bob = as_user("ana"), as_user("bob")
    s = seeded.suggestions
    decide(bob, s[1], action="accept", version="1")
    sel = [f"{s[0]}:1", f"{s[1]}:1", f"{s[2]}:1"]
    r = ana.post("/bulk-reject", data={"csrf_token": ana.csrf, "sel": sel, "reason": "duplicate", "back": "status=pending"}, follow_redirects=False)
    assert r.status_code == 303 and "notice" not in r.headers["location"]  # the banner is a server-side flash
    assert [_suggestion(seeded.url, x).status for x in s[:3]] == ["rejected", "accepted", "rejected"]
    assert "Rejected 2; 1 had changed" in ana.get(r.headers["location"]).text
    # A bad field refuses the whole request: nothing is half-applied.
    before = len(_decisions(seeded.url))
    for data in (
        {"sel": [f"{s[3]}:1"], "reason": "nope"},
        {"sel": [f"{s[3]}:1", "x"], "reason": "duplicate"},
        {"sel": [f"{s[3]}:1", "999999:1"], "reason": "duplicate"},
        {"reason": "duplicate"},
        {"sel": [f"{s[3]}:1"], "reason": "other"},
    ):
        r = ana.post("/bulk-reject", data={"csrf_token": ana.csrf, **data}, headers={"accept": "application/json"})
        assert r.status_code in (400, 404), (data, r.status_code)
    assert len(_decisions(seeded.url)) == before
    assert _suggestion(seeded.url, s[3]).status == "pending"


def test_undo_my_last_decision(as_user, seeded):
    ana = as_user("ana")
    s0, s1 = seeded.suggestions[:2]
    decide(ana, s0, action="accept", version="1")
    decide(ana, s1, action="reject", version="1", reason="duplicate")
    r = ana.post("/undo", data={"csrf_token": ana.csrf}, headers={"accept": "application/json"})
    assert r.status_code == 200 and r.json()["suggestion"] == s1 and r.json()["status"] == "pending"
    assert _suggestion(seeded.url, s1).status == "pending" and _suggestion(seeded.url, s0).status == "accepted"
    r = ana.post("/undo", data={"csrf_token": ana.csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/review/{s0}"
    r = ana.post("/undo", data={"csrf_token": ana.csrf}, headers={"accept": "application/json"})
    assert r.status_code == 400 and "nothing to undo" in r.json()["problems"][0]
    assert [d.action for d in _decisions(seeded.url)] == ["accept", "reject", "undo", "undo"]


def test_queue_filters_counts_and_assignments(as_user, seeded):
    ana, lea = as_user("ana"), as_user("lea")
    page = ana.get("/queue")
    assert page.status_code == 200 and "You have no assignments yet" in page.text
    assert re.search(r'id="total">9 suggestions', page.text)
    page = ana.get("/queue?member=japan")
    assert re.search(r'id="total">2 suggestions', page.text)
    assert ">Japan (2)<" in page.text and ">France (2)<" in page.text  # per-facet counts keep the other filters
    assert "Japan item 2" in page.text and "France item 4" not in page.text
    assert re.search(r'id="total">2 ', ana.get("/queue?source=jp-mofa").text)
    assert re.search(r'id="total">1 suggestion<', ana.get("/queue?verified=no").text)
    assert re.search(r'id="total">3 ', ana.get("/queue?language=en&date_from=2024-07-01&date_to=2024-07-08").text)
    assert re.search(r'id="total">2 ', ana.get("/queue?conf_min=0.85&conf_max=0.96").text)
    # the lead assigns ana to (19, Japan); her queue now defaults to it
    r = lea.post(
        "/assignments", data={"csrf_token": lea.csrf, "user": str(seeded.users["ana"]), "commitment": "19", "member": "japan"}, follow_redirects=False
    )
    assert r.status_code == 303
    page = ana.get("/queue")
    assert "Showing your assignments" in page.text and re.search(r'id="total">2 suggestions', page.text)
    assert re.search(r'id="total">9 ', ana.get("/queue?scope=all").text)
    # reassign everything of ana's to bob
    r = lea.post(
        "/assignments/reassign",
        data={"csrf_token": lea.csrf, "from_user": str(seeded.users["ana"]), "to_user": str(seeded.users["bob"])},
        follow_redirects=False,
    )
    assert r.status_code == 303
    with Session(db.engine_for(seeded.url)) as s:
        assert [a.user_id for a in s.exec(select(Assignment))] == [seeded.users["bob"]]
    assert "bob" in lea.get("/assignments").text


def test_keyset_pages_cover_everything_once(as_user, seeded, monkeypatch):
    ana = as_user("ana")
    ana.app.state.settings.web_page_size = 5  # small pages over 9 rows
    for sort in ("confidence", "date"):
        for order in ("desc", "asc"):
            seen, url = [], f"/api/queue?sort={sort}&order={order}"
            while url:
                data = ana.get(url).json()
                seen += [r["id"] for r in data["rows"]]
                url = f"/api/queue?sort={sort}&order={order}&after={data['next']}" if data["next"] else None
            assert sorted(seen) == sorted(seeded.suggestions + [seeded.xss_suggestion]), (sort, order)
            assert len(seen) == len(set(seen))


def test_feed_content_is_escaped_and_unsafe_links_are_text(as_user, seeded):
    ana = as_user("ana")
    for path in (f"/review/{seeded.xss_suggestion}", f"/items/{seeded.xss_item}", "/queue"):
        html = ana.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html and 'onerror="alert' not in html
        assert "<b onmouseover" not in html
        assert "&lt;script&gt;alert" in html
        assert 'href="javascript:' not in html.lower()
    html = ana.get(f"/review/{seeded.xss_suggestion}").text
    assert f'<span id="original-text" class="unlinked" title="not an http(s) address, so not linked">{XSS_URL}</span>' in html
    assert "<mark>seized boats of a smuggling network</mark>" in html
    assert "&lt;script&gt;alert(&#34;gist&#34;)&lt;/script&gt; gist" in html


def test_evidence_found_elsewhere_joins_the_queue(as_user, seeded):
    ana = as_user("ana")
    form = {
        "csrf_token": ana.csrf,
        "url": "https://www.interior.gouv.fr/actualites/1",
        "title": "Démantèlement d'un réseau",
        "publisher": "Ministère de l'Intérieur",
        "published": "2024-09-03",
        "language": "fr",
        "text": "Les enquêteurs ont démantelé un réseau de passeurs.",
        "member": "france",
        "commitment": "19",
        "dimension": "dismantle",
        "strength": "strong",
        "quote": "ont démantelé un réseau de passeurs",
        "action_date": "2024-09-02",
        "rationale": "arrests",
    }
    r = ana.post("/evidence", data=form, follow_redirects=False)
    assert r.status_code == 303
    sid = int(re.search(r"/review/(\d+)", r.headers["location"]).group(1))
    sug = _suggestion(seeded.url, sid)
    assert sug.agent == "analyst:ana" and sug.agent_kind == "analyst" and sug.status == "pending" and sug.quote_verified
    assert decide(ana, sid, action="accept", version="1").json()["status"] == "accepted"
    with Session(db.engine_for(seeded.url)) as s:
        items = s.exec(select(func.count()).select_from(Item)).one()
    for bad, message in (
        ({"url": "javascript:alert(1)"}, "url:"),
        ({"published": "soon"}, "published:"),
        ({"dimension": "deter"}, "no dimension"),
        ({"title": " "}, "title: required"),
    ):
        r = ana.post("/evidence", data={**form, "title": "Another", **bad})
        assert r.status_code == 400 and message in r.text, bad
    with Session(db.engine_for(seeded.url)) as s:
        assert s.exec(select(func.count()).select_from(Item)).one() == items


def test_admin_manages_users(as_user, seeded):
    adam = as_user("adam")
    r = adam.post("/admin/users", data={"csrf_token": adam.csrf, "username": "carla", "role": "analyst"})
    assert r.status_code == 200
    password = re.search(r'id="new-password">([^<]+)<', r.text).group(1)
    from fastapi.testclient import TestClient

    from tests.web.conftest import login

    with TestClient(adam.app, base_url="https://testserver") as carla:
        assert login(carla, "carla", password).status_code == 303
    r = adam.post("/admin/users", data={"csrf_token": adam.csrf, "username": "carla", "role": "analyst"})
    assert r.status_code == 400 and "already exists" in r.text
    r = adam.post(f"/admin/users/{seeded.users['adam']}/active", data={"csrf_token": adam.csrf, "active": "no"})
    assert r.status_code == 400 and "your own account" in r.text
    r = adam.post(f"/admin/users/{seeded.users['bob']}/role", data={"csrf_token": adam.csrf, "role": "lead"}, follow_redirects=False)
    assert r.status_code == 303
    assert adam.get("/admin/sources").status_code == 200 and "jp-mofa" in adam.get("/admin/sources").text
    assert "Preventing Migrant Smuggling" in adam.get("/admin/catalogue").text

"""Every route, enumerated from the app, answers bad input with a 4xx and a message, never a 500:
NUL bytes, out-of-range ids and versions, impossible dates, malformed cursors. On SQLite and
PostgreSQL (the `seeded` fixture runs on both)."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from tests.web.conftest import csrf_of, login
from triage import db
from triage.models import Decision

HUGE = "99999999999999999999999"
BAD_VALUES = [
    "\x00",
    "a\x00b",
    HUGE,
    "-" + HUGE,
    "2147483648",
    "-1",
    "9999-12-31",
    "0001-01-01",
    "2024-02-30",
    "0999-05-01T00:00:00.000000~3",
    "null~1",
    "~",
    "nan~1",
    "1e400~1",
    "inf",
    "x" * 300,
]
# Every field name any route or form reads (query string or form body).
FIELDS = [
    "after",
    "status",
    "commitment",
    "member",
    "dimension",
    "strength",
    "conf_min",
    "conf_max",
    "source",
    "language",
    "date_from",
    "date_to",
    "verified",
    "flagged",
    "scope",
    "sort",
    "order",
    "q",
    "state",
    "version",
    "action",
    "reason",
    "note",
    "quote",
    "action_date",
    "contradictory",
    "sel",
    "back",
    "select",
    "filter",
    "count",
    "user",
    "from_user",
    "to_user",
    "username",
    "password",
    "new_password",
    "current_password",
    "repeat_password",
    "role",
    "active",
    "url",
    "title",
    "publisher",
    "published",
    "text",
    "rationale",
    "name",
    "view",
    "next",
    "score",
    "period",
    "format",
]
PER_FIELD = [HUGE, "9999-12-31", "null~1", "2024-02-30"]
PATH_VALUES = ["1", HUGE, "2147483648", "-1", "0", "%00", "1%00"]


@pytest.fixture
def admin(app, seeded):
    c = TestClient(app, base_url="https://testserver", raise_server_exceptions=False)
    assert login(c, "adam").status_code == 303
    c.csrf = csrf_of(c.get("/queue").text)
    yield c
    c.close()


def _paths(path_template: str) -> list[str]:
    if "{" not in path_template:
        return [path_template]
    return [re.sub(r"\{[^}]+\}", v, path_template) for v in PATH_VALUES]


def _templates(app) -> list[tuple[str, str]]:
    from tests.web.test_access import all_routes

    out = []
    for route in all_routes(app):
        for method in sorted(set(route.methods or ()) - {"HEAD"}):
            out.append((method, route.path))
    return out


def test_no_bad_input_is_a_500_on_any_route(app, admin, seeded, capsys):
    statuses: Counter = Counter()
    failures = []
    sent = 0
    for method, template in _templates(app):
        if template in ("/logout",):
            continue  # would end the session the rest of the test uses
        for path in _paths(template):
            # Each bad value in every field at once, then each field alone with the values that
            # reach past the first check (NUL bytes are refused before any route runs).
            requests = [{}] + [dict.fromkeys(FIELDS, value) for value in BAD_VALUES]
            if path == _paths(template)[0]:
                requests += [{name: value} for name in FIELDS for value in PER_FIELD]
            for fields in requests:
                if method == "GET":
                    r = admin.get(path, params=fields, follow_redirects=False)
                else:
                    data = {"csrf_token": admin.csrf, **fields}
                    if template == "/login":
                        login_page = admin.get("/login")
                        data["csrf_token"] = re.search(r'name="csrf_token" value="([^"]+)"', login_page.text).group(1)
                    r = admin.request(method, path, data=data, follow_redirects=False)
                sent += 1
                statuses[r.status_code // 100 * 100] += 1
                if template == "/healthz" and r.status_code == 503:
                    assert r.json()["status"] == "failing"  # the health answer itself (no scheduler here), not an error
                elif r.status_code >= 500:
                    failures.append((method, path, fields, r.status_code, r.text[:200]))
                elif r.status_code >= 400:
                    assert r.text.strip(), (method, path, fields)  # a message, not an empty body
                if template == "/login" and r.status_code == 303:
                    admin.cookies.clear()
                    assert login(admin, "adam").status_code == 303
                    admin.csrf = csrf_of(admin.get("/queue").text)
    with capsys.disabled():
        print(f"\nbad-input requests: {sent}; by status class: {dict(sorted(statuses.items()))}; 500s: {len(failures)}")
    assert not failures, sorted({(m, p, st) for m, p, _, st, _ in failures})[:40]
    assert sent > 3_000


def test_a_nul_byte_in_the_login_form_is_a_400(client, seeded):
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post("/login", data={"username": "ana\x00", "password": "x", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 400 and "NUL" in r.text


def _decisions(url):
    with Session(db.engine_for(url)) as s:
        return s.exec(select(func.count()).select_from(Decision)).one()


def test_undo_and_bulk_reject_check_back_before_applying(as_user, seeded):
    ana = as_user("ana")
    sid = seeded.suggestions[0]
    ok = ana.post(f"/suggestions/{sid}/decide", data={"action": "accept", "version": "1", "csrf_token": ana.csrf}, follow_redirects=False)
    assert ok.status_code == 303
    before = _decisions(seeded.url)
    r = ana.post("/undo", data={"back": "date_to=not-a-date", "csrf_token": ana.csrf}, follow_redirects=False)
    assert r.status_code == 400 and _decisions(seeded.url) == before
    r = ana.post(
        "/bulk-reject",
        data={"sel": f"{seeded.suggestions[1]}:1", "reason": "not_relevant", "back": "commitment=x", "csrf_token": ana.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 400 and _decisions(seeded.url) == before
    r = ana.post(
        f"/suggestions/{seeded.suggestions[2]}/decide",
        data={"action": "accept", "version": "1", "back": "date_to=9999-99-99", "csrf_token": ana.csrf},
    )
    assert r.status_code == 400 and _decisions(seeded.url) == before


def test_banners_show_only_what_the_server_said(as_user, seeded):
    ana = as_user("ana")
    page = ana.get("/queue", params={"notice": "bulk", "n": "EVIL TEXT", "c": "MORE"})
    assert "EVIL TEXT" not in page.text and "MORE" not in page.text
    lea = as_user("lea")
    assert "EVIL" not in lea.get("/assignments", params={"notice": "EVIL"}).text
    r = ana.post("/bulk-reject", data={"sel": f"{seeded.suggestions[1]}:1", "reason": "not_relevant", "csrf_token": ana.csrf})
    assert r.status_code == 200 and "Rejected 1" in r.text
    assert "Rejected 1" not in ana.get("/queue").text  # shown once

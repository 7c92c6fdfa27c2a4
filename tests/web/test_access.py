"""Every route needs a session; every state change needs the CSRF token; roles are checked on
the server. Routes are enumerated from the app itself, so a new route cannot escape."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, func, select

from tests.web.conftest import login
from triage import db
from triage.models import Assignment, Decision, Item, User, WebSession
from triage.web.auth import COOKIE, token_digest

PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/healthz"), ("GET", "/metrics")}  # the only routes reachable without a session
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def all_routes(app):
    """Every route as the app resolves it. FastAPI >= 0.16x keeps included routers nested and
    exposes the flattened view through iter_route_contexts; older versions flatten app.routes."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI
        return list(app.routes)
    return list(iter_route_contexts(app.routes))


def endpoints(app) -> list[tuple[str, str]]:
    """(method, concrete path) for every route the app serves (path parameters filled with 1).
    Mounts (only /static, public by design) have no methods and are listed apart."""
    out = []
    for route in all_routes(app):
        if not route.methods:
            assert route.path == "/static", f"unexpected mount {route.path}: check it needs a session"
            continue
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in sorted(set(route.methods) - {"HEAD"}):
            out.append((method, path))
    return out


def test_the_enumeration_sees_the_routes(app):
    found = endpoints(app)
    # A sanity floor, so the checks below cannot pass by enumerating nothing.
    for expected in [
        ("GET", "/queue"),
        ("GET", "/review/1"),
        ("POST", "/suggestions/1/decide"),
        ("POST", "/undo"),
        ("POST", "/bulk-reject"),
        ("POST", "/assignments"),
        ("POST", "/admin/users"),
        ("GET", "/api/queue"),
        ("GET", "/scores"),
        ("GET", "/scores/plot.svg"),
        ("GET", "/scores/1/1"),
        ("POST", "/scores/1/1"),
        ("GET", "/scores/export/scores.1"),
        ("GET", "/scores/export/evidence.1"),
        ("GET", "/scores/export/report.1"),
    ]:
        assert expected in found
    assert len(found) >= 20


def test_every_route_without_a_session_redirects_or_401s(app, client):
    checked = 0
    for method, path in endpoints(app):
        if (method, path) in PUBLIC:
            continue
        html = client.request(method, path, headers={"accept": "text/html"}, follow_redirects=False)
        if path.startswith("/api/"):  # machine endpoints answer 401 whatever the Accept header
            assert html.status_code == 401, (method, path, html.status_code)
        else:
            assert html.status_code == 303, (method, path, html.status_code)
            assert html.headers["location"].startswith("/login"), (method, path)
        as_json = client.request(method, path, headers={"accept": "application/json"}, follow_redirects=False)
        assert as_json.status_code == 401, (method, path, as_json.status_code)
        assert as_json.json() == {"error": "login required"}
        checked += 1
    assert checked >= 18


def test_a_forged_or_expired_cookie_is_no_session(app, client, seeded):
    client.cookies.set(COOKIE, "not-a-real-token", domain="testserver")
    assert client.get("/queue", follow_redirects=False).status_code == 303


def _count(url, model):
    with Session(db.engine_for(url)) as s:
        return s.exec(select(func.count()).select_from(model)).one()


def test_every_state_change_without_the_csrf_token_is_refused(app, as_user, seeded):
    admin = as_user("adam")  # every permission, so only the token can be what refuses
    before = {m: _count(seeded.url, m) for m in (Decision, Assignment, User, Item)}
    checked = 0
    for method, path in endpoints(app):
        if method not in UNSAFE or (method, path) in PUBLIC:
            continue
        data = {
            "action": "accept",
            "version": "1",
            "reason": "not_relevant",
            "sel": f"{seeded.suggestions[0]}:1",
            "user": str(seeded.users["bob"]),
            "commitment": "19",
            "username": "mallory",
            "role": "admin",
            "active": "no",
        }
        missing = admin.request(method, path, data=data, headers={"accept": "text/html"}, follow_redirects=False)
        assert missing.status_code == 403, (method, path, missing.status_code)
        assert "CSRF" in missing.text
        wrong = admin.request(method, path, data={**data, "csrf_token": "x" * 43}, follow_redirects=False)
        assert wrong.status_code == 403, (method, path)
        wrong_header = admin.request(method, path, data=data, headers={"x-csrf-token": "nope", "accept": "application/json"}, follow_redirects=False)
        assert wrong_header.status_code == 403, (method, path)
        checked += 1
    assert checked >= 9
    assert {m: _count(seeded.url, m) for m in before} == before  # nothing happened
    # The same request with the token is not refused for CSRF (a control: the 403s above were the token).
    ok = admin.post(
        f"/suggestions/{seeded.suggestions[0]}/decide", data={"action": "accept", "version": "1", "csrf_token": admin.csrf}, follow_redirects=False
    )
    assert ok.status_code == 303
    ok = admin.post(
        f"/suggestions/{seeded.suggestions[1]}/decide",
        data={"action": "accept", "version": "1"},
        headers={"x-csrf-token": admin.csrf, "accept": "application/json"},
    )
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"


def test_login_form_needs_its_token(client):
    response = client.post("/login", data={"username": "ana", "password": "password-ana"}, follow_redirects=False)
    assert response.status_code == 403
    assert COOKIE not in response.cookies


@pytest.mark.parametrize(
    "who,method,path,data",
    [
        ("ana", "GET", "/assignments", None),
        ("ana", "POST", "/assignments", {"user": "bob", "commitment": "19"}),
        ("ana", "POST", "/assignments/reassign", {"from_user": "ana", "to_user": "bob"}),
        ("ana", "GET", "/admin/users", None),
        ("ana", "POST", "/admin/users", {"username": "eve", "role": "admin"}),
        ("lea", "POST", "/admin/users", {"username": "eve", "role": "admin"}),
        ("lea", "POST", "/admin/users/USER/role", {"role": "admin"}),
        ("ana", "POST", "/admin/users/USER/active", {"active": "no"}),
        ("lea", "GET", "/admin/sources", None),
        ("ana", "GET", "/admin/catalogue", None),
    ],
)
def test_roles_are_checked_on_the_server(as_user, seeded, who, method, path, data):
    c = as_user(who)
    users_before = _count(seeded.url, User)
    if data is not None:
        data = {k: str(seeded.users.get(v, v)) for k, v in data.items()} | {"csrf_token": c.csrf}
    response = c.request(method, path.replace("USER", str(seeded.users["ana"])), data=data, follow_redirects=False)
    assert response.status_code == 403, response.text
    assert "Not allowed" in response.text
    assert _count(seeded.url, Assignment) == 0 and _count(seeded.url, User) == users_before
    with Session(db.engine_for(seeded.url)) as s:
        ana = s.get(User, seeded.users["ana"])
        assert ana.active and ana.role == "analyst"


def test_a_deactivated_user_is_logged_out_at_once(as_user, seeded):
    ana, adam = as_user("ana"), as_user("adam")
    assert ana.get("/queue").status_code == 200
    r = adam.post(f"/admin/users/{seeded.users['ana']}/active", data={"active": "no", "csrf_token": adam.csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert ana.get("/queue", follow_redirects=False).status_code == 303
    assert login(ana, "ana").status_code == 401


def test_sessions_store_only_a_hash_and_cookies_are_locked_down(client, seeded):
    response = login(client, "ana")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    token = response.cookies[COOKIE]
    with Session(db.engine_for(seeded.url)) as s:
        rows = s.exec(select(WebSession)).all()
        assert [r.id for r in rows] == [token_digest(token)]
        assert token not in {r.id for r in rows}
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/queue").text).group(1)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert _count(seeded.url, WebSession) == 0
    client.cookies.set(COOKIE, token, domain="testserver")
    assert client.get("/queue", follow_redirects=False).status_code == 303


def test_plain_http_deployments_can_turn_secure_off(seeded):
    from fastapi.testclient import TestClient

    from triage.config import Settings
    from triage.web import create_app

    with TestClient(create_app(Settings(database_url=seeded.url, web_secure_cookies=False))) as c:
        cookie = login(c, "ana").headers["set-cookie"]
        assert "HttpOnly" in cookie and "Secure" not in cookie
        assert c.get("/queue").status_code == 200


def test_login_rate_limit_per_user_name(client, seeded):
    for _ in range(5):
        assert login(client, "ana", "wrong-password").status_code == 401
    blocked = login(client, "ana")  # even the right password, until the window passes
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 15 * 60
    assert COOKIE not in blocked.cookies
    # bob, from the same client, is refused too: the client has failed 5 times
    assert login(client, "bob").status_code == 429


def test_login_rate_limit_per_client_across_names(client, seeded):
    for n in range(5):
        assert login(client, f"nobody{n}", "whatever-pass").status_code == 401
    assert login(client, "ana").status_code == 429


def test_per_name_and_per_client_limits_are_separate(app, seeded):
    from fastapi.testclient import TestClient

    def client(address):
        return TestClient(app, base_url="https://testserver", client=(address, 50000))

    # 4 failures for bob from one address, then his right password: in, and his count restarts.
    with client("10.0.0.1") as c:
        for _ in range(4):
            assert login(c, "bob", "wrong-password").status_code == 401
        assert login(c, "bob").status_code == 303
    # 4 more failures from another address: still under the per-name limit after the success.
    with client("10.0.0.2") as c:
        for _ in range(4):
            assert login(c, "bob", "wrong-password").status_code == 401
        assert login(c, "bob").status_code == 303
    # One address failing for many names is stopped, while another address still logs in.
    with client("10.0.0.3") as c:
        for n in range(5):
            assert login(c, f"guess{n}", "whatever-pass").status_code == 401
        assert login(c, "ana").status_code == 429
    with client("10.0.0.4") as c:
        assert login(c, "ana").status_code == 303


def test_security_headers_on_every_response(app, client, as_user):
    ana = as_user("ana")
    for c, path in [(client, "/login"), (client, "/queue"), (client, "/static/app.js"), (ana, "/queue"), (ana, "/review/999999"), (ana, "/nope")]:
        response = c.get(path, follow_redirects=False)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_login_redirects_only_to_local_paths():
    from triage.web.routes.login import _local

    for ok in ("/queue", "/review/3?member=japan&status=all", "/"):
        assert _local(ok) == ok
    for bad in ("//evil.example/x", "/\\evil.example", "/\t/evil.example", "/\n/evil.example", "https://evil.example/", "evil", "", None, "/ok\x00"):
        assert _local(bad) == "/queue", bad

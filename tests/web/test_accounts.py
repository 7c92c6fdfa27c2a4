"""Passwords in the web app: change your own, an admin's reset to a temporary password that must
be changed at the next login, and the policy."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.web.conftest import csrf_of, login
from triage import db
from triage.models import User


def _change(c, current, new, repeat=None):
    return c.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "repeat_password": repeat or new, "csrf_token": c.csrf},
        follow_redirects=False,
    )


def test_change_your_own_password(as_user, app, seeded):
    ana = as_user("ana")
    assert "Change your password" in ana.get("/account/password").text
    r = _change(ana, "wrong", "a brand new phrase")
    assert r.status_code == 400 and "current password is wrong" in r.text
    r = _change(ana, "password-ana", "password")
    assert r.status_code == 400 and "most common" in r.text
    r = _change(ana, "password-ana", "        ")
    assert r.status_code == 400 and "blank" in r.text
    r = _change(ana, "password-ana", "a brand new phrase", "a different phrase")
    assert r.status_code == 400 and "differ" in r.text
    other = as_user("ana")  # a second session, ended by the change
    r = _change(ana, "password-ana", "a brand new phrase")
    assert r.status_code == 303
    assert "Password changed" in ana.get("/queue").text
    assert other.get("/queue", follow_redirects=False).status_code == 303
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "ana").status_code == 401
        assert login(c, "ana", "a brand new phrase").status_code == 303


def test_an_admin_reset_gives_a_temporary_password_to_change_at_first_login(as_user, app, seeded):
    adam, ana = as_user("adam"), as_user("ana")
    r = adam.post(f"/admin/users/{seeded.users['ana']}/password", data={"csrf_token": adam.csrf})
    assert r.status_code == 200
    temporary = r.text.split('id="temporary-password">')[1].split("<")[0]
    assert ana.get("/queue", follow_redirects=False).status_code == 303  # her sessions ended
    with TestClient(app, base_url="https://testserver") as c:
        assert login(c, "ana", temporary).status_code == 303
        r = c.get("/queue", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/account/password"
        page = c.get("/account/password")
        assert "temporary" in page.text
        c.csrf = csrf_of(page.text)
        assert c.get("/api/queue", headers={"accept": "application/json"}).status_code == 403
        assert _change(c, temporary, "my own new phrase").status_code == 303
        assert c.get("/queue").status_code == 200
    with Session(db.engine_for(seeded.url)) as s:
        assert not s.get(User, seeded.users["ana"]).must_change_password
    lea = as_user("lea")
    assert lea.post(f"/admin/users/{seeded.users['ana']}/password", data={"csrf_token": lea.csrf}).status_code == 403


def test_the_demo_password_must_be_changed_at_first_login(migrated_db):
    from triage.accounts import demo_login

    with db.session_scope(migrated_db) as s:
        user, _password = demo_login(s)
        assert user.must_change_password

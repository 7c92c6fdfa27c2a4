"""Rendering rules that keep feed content inert, and the entry points the demo uses."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from triage import db
from triage.accounts import demo_login, verify_password
from triage.web.render import TEMPLATES, highlight, safe_url


def test_templates_never_mark_content_safe_and_have_no_inline_script():
    for path in TEMPLATES.glob("*.html"):
        source = path.read_text()
        assert "|safe" not in source.replace(" ", "") and "Markup(" not in source, path.name
        assert "autoescape false" not in source, path.name
        assert not re.search(r"<script(?![^>]*\bsrc=)", source), f"{path.name}: inline <script>"
        assert not re.search(r"\son[a-z]+\s*=", source), f"{path.name}: inline event handler"
        assert "style=" not in source, f"{path.name}: inline style (the CSP allows none)"


@pytest.mark.parametrize(
    "url,ok",
    [
        ("https://www.gov.uk/a", True),
        ("http://example.org/x?y=1", True),
        ("javascript:alert(1)", False),
        ("JavaScript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,<script>", False),
        ("vbscript:x", False),
        ("//evil.example/x", False),
        ("https:///nohost", False),
        ("", False),
        (None, False),
    ],
)
def test_only_http_addresses_are_links(url, ok):
    assert (safe_url(url) is not None) is ok


def test_highlight_splits_text_and_ignores_spacing_and_case():
    text = "The Ministry  seized\nboats of a <b>network</b> and seized BOATS again."
    pieces = highlight(text, "seized boats")
    assert "".join(p for p, _ in pieces) == text  # nothing lost, nothing added
    assert [p for p, hit in pieces if hit] == ["seized\nboats", "seized BOATS"]
    assert highlight(text, "") == [(text, False)]
    assert highlight(text, "(regex[ chars") == [(text, False)]
    assert highlight("", "x") == []


def test_demo_login_is_fresh_each_time(migrated_db):
    with Session(db.engine_for(migrated_db)) as s:
        user, first = demo_login(s)
        s.commit()
        again, second = demo_login(s)
        s.commit()
        assert user.id == again.id and user.role == "admin" and first != second
        assert verify_password(again, second) and not verify_password(again, first)


def test_serve_command(cli, migrated_db, monkeypatch):
    import os

    from triage.server import APP

    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.append((app, kw["factory"], kw["host"], kw["port"])))
    result = cli("serve", "--port", "8765")
    assert result.code == 0, result.err
    assert calls == [(APP, True, "127.0.0.1", 8765)] and "http://127.0.0.1:8765/" in result.out
    # The factory uvicorn is given builds the app over the same database.
    module, name = APP.split(":")
    app = getattr(__import__(module, fromlist=[name]), name)()
    from triage import db as database

    # The engine names the driver (postgresql+psycopg) where the setting may not.
    assert str(app.state.engine.url) == database.normalise_url(migrated_db) and migrated_db == os.environ["TRIAGE_DATABASE_URL"]


def test_serve_refuses_an_uninitialised_database(cli):
    result = cli("serve")
    assert result.code == 2 and "run `triage init` first" in result.err

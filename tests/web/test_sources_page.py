"""The admin Sources page shows each source's health with its reason and since when, its verification and note."""

from __future__ import annotations

import datetime as dt

from triage import db
from triage.models import Source


def test_sources_page_shows_health_reason_since_verification_and_note(as_user, seeded):
    with db.session_scope(seeded.url) as s:
        src = s.get(Source, "jp-mofa")
        src.note = "disabled: mofa.go.jp answers 403 to every automated client"
        src.health, src.health_error = "empty", "the feed has no entries"
        src.health_since = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)
        src.verification, src.evidence = "unverified", "review: doubtful; <script>alert(1)</script>"
    page = as_user("adam").get("/admin/sources")
    assert page.status_code == 200
    assert "the feed has no entries" in page.text and "2026-12-01" in page.text
    assert "disabled: mofa.go.jp answers 403" in page.text  # the registry's note on a bot-blocked site
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text

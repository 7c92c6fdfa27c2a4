"""The cell page: an analyst corrects a piece of evidence's citation (audited), on SQLite and
PostgreSQL; bad input is a 400 with the form, never a 500."""

from __future__ import annotations

import re
from html import unescape

from sqlmodel import Session, select

from tests.web.conftest import app, as_user, cheap_hashes, seeded  # noqa: F401  (the web app's fixtures)
from tests.web.test_scores_pages import c19  # noqa: F401
from triage import db
from triage.models import EvidenceCitation


def test_an_analyst_corrects_a_citation_on_the_cell_page(c19, as_user):  # noqa: F811  (the imported fixtures)
    ana = as_user("ana")
    page = ana.get("/scores/19/canada").text
    keys = re.findall(r'name="key" value="([^"]+)"', page)
    assert keys
    key = next(k for k in keys if "Justice Laws Website (Ottawa)" in unescape(page).split(f'value="{k}"')[0].rsplit("<tr", 1)[-1])
    done = ana.post(
        "/scores/19/canada/citation",
        data={"csrf_token": ana.csrf, "key": key, "city": "n/a", "date": "2024-09-18", "note": "As the page prints it."},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("notice=cited")
    after = unescape(ana.get(done.headers["location"]).text)
    assert "Justice Laws Website (n/a) 18 September 2024." in after and "Citation corrected" in after
    with Session(db.engine_for(c19.url)) as s:
        trail = s.exec(select(EvidenceCitation).where(EvidenceCitation.evidence_key == key).order_by(EvidenceCitation.id)).all()
    assert [(t.origin, t.city) for t in trail] == [("import", "Ottawa"), ("correction", "n/a")]
    bad = ana.post("/scores/19/canada/citation", data={"csrf_token": ana.csrf, "key": key, "date": "2024-13"})
    assert bad.status_code == 400 and "not a date" in unescape(bad.text)
    same = ana.post("/scores/19/canada/citation", data={"csrf_token": ana.csrf, "key": key, "city": "n/a"})
    assert same.status_code == 400 and "changes nothing" in same.text
    unknown = ana.post("/scores/19/canada/citation", data={"csrf_token": ana.csrf, "key": "s:999999", "city": "x"})
    assert unknown.status_code == 400

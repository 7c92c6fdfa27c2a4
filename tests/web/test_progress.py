"""Coverage gaps (the leads' dashboard and the daily digest name exactly the empty cells past the
span) and progress per analyst, commitment and member."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Session

from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.config import Settings
from triage.review.coverage import coverage
from triage.schedule.digest import write_digest

NOW = dt.datetime(2024, 7, 20, 12, tzinfo=dt.UTC)
SPAN = 14  # cutoff 2024-07-06
# In the seed, commitment 19 has evidence after the cutoff for these members only (France's
# latest is the 20 July item; Germany's item has no date, so it counts from when it was suggested).
RECENT = {"Italy", "Canada", "Germany", "France"}


def _expected(index: CatalogueIndex) -> set[tuple[int, str]]:
    return {(c.number, m.name) for c in index.commitments for m in index.members} - {(19, name) for name in RECENT}


def test_coverage_gaps_name_exactly_the_empty_cells(seeded, as_user, tmp_path, monkeypatch):
    ana = as_user("ana")
    # A rejected suggestion is not evidence: the United Kingdom's recent-looking cell stays a gap.
    r = ana.post(
        f"/suggestions/{seeded.suggestions[0]}/decide", data={"action": "reject", "version": "1", "reason": "duplicate", "csrf_token": ana.csrf}
    )
    assert r.status_code in (200, 303)
    with Session(db.engine_for(seeded.url)) as s:
        index = CatalogueIndex.load(s)
        found = coverage(s, index, span_days=SPAN, now=NOW)
    expected = _expected(index)
    assert {(g.commitment, g.member) for g in found.gaps} == expected
    assert len(expected) == len(index.commitments) * len(index.members) - len(RECENT)

    # The digest names the same cells.
    settings = Settings(database_url=seeded.url, digest_dir=tmp_path / "digests", coverage_gap_days=SPAN)
    text = write_digest(settings, until=NOW).read_text()
    section = text.split("## Coverage gaps")[1].split("## Members whose sources")[0]
    named = {line for line in section.splitlines() if line.startswith("- ")}
    assert len(named) == len(expected)
    for commitment, member in expected:
        assert any(line.startswith(f"- {member} x commitment {commitment}:") for line in named), (commitment, member)
    for member in RECENT:
        assert f"- {member} x commitment 19:" not in section


def test_the_dashboard_lists_gaps_and_progress(seeded, as_user):
    ana, lea = as_user("ana"), as_user("lea")
    ana.post(f"/suggestions/{seeded.suggestions[1]}/decide", data={"action": "accept", "version": "1", "csrf_token": ana.csrf})
    assert ana.get("/progress").status_code == 403  # leads only
    page = lea.get("/progress")
    assert page.status_code == 200
    assert 'id="gaps"' in page.text and 'data-cell="1/' in page.text
    by_analyst = page.text.split('id="by-analyst"')[1].split("</table>")[0]
    assert '<td>ana</td><td class="num">1</td><td class="num">1</td>' in by_analyst

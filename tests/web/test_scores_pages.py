"""The scores dashboard over HTTP, on SQLite and PostgreSQL: the commitment-19 matrix and its
averages from imported evidence, a cell's evidence in date order, final scores set by a lead
(audited, justified when they differ), refused for an analyst, the plot and the downloads."""

from __future__ import annotations

import csv
import io
import json
import re
from html import unescape

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, func, select

from tests.scores.conftest import C19_EVIDENCE, PUBLISHED_C19
from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.imports.evidence import import_evidence
from triage.models import Score, ScoreChange
from triage.scoring.accepted import evidence_rows


@pytest.fixture
def c19(seeded):
    """The web fixtures' users and pending suggestions, plus the commitment-19 evidence of
    tests/data imported as accepted by ana (the published assessment: +0.38, 69%)."""
    with db.session_scope(seeded.url) as s:
        import_evidence(s, CatalogueIndex.load(s), path=C19_EVIDENCE, username="ana")
    return seeded


def text_of(html: str) -> str:
    """The page's text with tags dropped and whitespace collapsed, for phrase checks."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def matrix_row(html: str, number: int) -> dict[str, tuple[str, str]]:
    """member key -> (value, kind) of the cells in a commitment's row of the matrix."""
    row = re.search(rf'<tr id="c{number}".*?</tr>', html, re.S).group(0)
    cells = re.findall(
        r'<td class="cell ([^"]*)" data-member="([^"]+)">.*?<span class="value">([^<]*)</span>\s*<span class="kind">(.*?)</span>\s*</a>', row, re.S
    )
    return {key: (value, " ".join(text_of(kind).split())) for classes, key, value, kind in cells}


def changes(url) -> list[ScoreChange]:
    with Session(db.engine_for(url)) as s:
        return list(s.exec(select(ScoreChange).order_by(ScoreChange.id)))


def seen_of(html: str) -> str:
    return re.search(r'name="seen" value="(\d+)"', html).group(1)


def test_dashboard_shows_the_published_commitment_19_assessment(c19, as_user):
    page = as_user("ana").get("/scores")
    assert page.status_code == 200
    html = page.text
    row = matrix_row(html, 19)
    signs = {1: "+1", 0: "0", -1: "-1"}
    assert row == {key: (signs[score], "suggested") for key, score in PUBLISHED_C19.items()}
    c19_row = re.search(r'<tr id="c19".*?</tr>', html, re.S).group(0)
    assert "+0.38 (69%)" in c19_row  # the commitment's average as the report prints it
    assert re.search(r'id="overall">\+0\.38 \(69%\)<', html)  # the only scored commitment
    # Colour classes follow the score; suggestions are marked apart from final scores.
    assert 'class="cell s-pos is-suggested" data-member="united-kingdom"' in c19_row
    assert 'class="cell s-zero is-suggested" data-member="japan"' in c19_row
    # Incomplete commitments are marked and have no score.
    c1 = re.search(r'<tr id="c1".*?</tr>', html, re.S).group(0)
    assert 'class="incomplete"' in c1 and ">incomplete</span>" in c1
    assert set(matrix_row(html, 1).values()) == {("–", "no score")}
    # Members' averages: Canada's only score is a 0.
    assert re.search(r'data-member="canada">0\.00 \(50%\)<', html)
    assert re.search(r'data-member="united-kingdom">\+1\.00 \(100%\)<', html)
    # The review backlog links to the queue filtered on the commitment (9 seeded suggestions wait).
    assert '<a href="/queue?commitment=19&amp;scope=all"' in c19_row and "9 pending" in c19_row
    # Evidence by dimension and strength: the import's 44 pieces, 4 strong in disrupt.
    counts = re.search(r'<table [^>]*id="counts-19".*?</table>', html, re.S).group(0)
    disrupt = text_of(re.search(r"<tr><th scope=\"row\">[^<]*[Dd]isrupt.*?</tr>", counts, re.S).group(0))
    assert " 4 0 0 " in f" {disrupt} " and "European Union: 2 strong" in disrupt
    # The plot is an image of this app, never inlined; the navigation has the page.
    assert '<img id="plot" src="/scores/plot.svg"' in html and "<svg" not in html
    assert '<a href="/scores" class="here">Scores</a>' in html


def test_the_plot_is_svg(c19, as_user):
    response = as_user("ana").get("/scores/plot.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<?xml") and b"<svg" in response.content
    assert b"Canada (3)" in response.content  # the legend counts Canada's three dated items
    assert "img-src 'self'" in response.headers["content-security-policy"]


def test_a_cell_lists_its_evidence_in_date_order(c19, as_user):
    html = as_user("ana").get("/scores/19/canada").text
    rows = re.findall(r'<tr class="evidence-row">.*?</tr>', html, re.S)
    with Session(db.engine_for(c19.url)) as s:
        expected = evidence_rows(s, CatalogueIndex.load(s), 19, "canada")
    assert len(rows) == len(expected) == 4  # three items, one of them in two dimensions
    dates = [re.search(r'<td class="num date">([^<]+)</td>', r).group(1) for r in rows]
    assert dates == sorted(dates) == ["2024-09-18", "2024-10-04", "2024-10-04", "2024-11-26"]
    first = text_of(rows[0])
    assert "Counter" in first or "counter" in first
    assert "Canada amended the trafficking-in-persons provisions" in first
    # The citation in the report's style, and a link to the item's review page.
    assert "Justice Laws Website (Ottawa) n.d. Access Date: 3 October 2024." in first
    by_suggestion = {e.suggestion_id for e in expected}
    linked = {int(n) for n in re.findall(r'href="/review/(\d+)\?status=all"', "".join(rows))}
    assert linked == by_suggestion
    # The suggestion and its explanation; no final score yet; an analyst reads only.
    text = text_of(html)
    assert "Suggested 0 Partial compliance" in text and "Strong in prevent and counter" in text
    assert "No lead has set a final score" in text and 'id="final-form"' not in html and 'id="read-only"' in html


def test_a_lead_sets_a_final_score(c19, as_user):
    lea = as_user("lea")
    page = lea.get("/scores/19/japan")
    assert 'id="final-form"' in page.text
    seen = seen_of(page.text)
    # Japan's suggestion is 0: -1 without a justification is refused and nothing is recorded.
    refused = lea.post("/scores/19/japan", data={"csrf_token": lea.csrf, "seen": seen, "score": "-1", "justification": "  "})
    assert refused.status_code == 400
    assert "differs from the suggested 0; give a justification" in text_of(refused.text)
    assert 'value="-1" checked' in refused.text  # the form keeps what the lead chose
    assert changes(c19.url) == []
    # With a justification it is saved, audited, and counts in the matrix.
    saved = lea.post(
        "/scores/19/japan",
        data={"csrf_token": lea.csrf, "seen": seen, "score": "-1", "justification": "Only restatements of the commitment."},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/scores/19/japan?notice=set"
    trail = changes(c19.url)
    assert [(c.old_final, c.new_final, c.justification, c.origin) for c in trail] == [(None, -1, "Only restatements of the commitment.", "lead")]
    cell = lea.get(saved.headers["location"]).text
    text = text_of(cell)
    assert "Final score saved." in text and "Final -1 No compliance" in text
    assert "Only restatements of the commitment." in text_of(re.search(r'id="audit".*?</table>', cell, re.S).group(0))
    assert re.search(r"lea\s*</td>\s*<td>not set → -1</td>", cell)
    board = lea.get("/scores").text
    assert matrix_row(board, 19)["japan"] == ("-1", "final ≠ 0")
    assert 'class="cell s-neg is-final differs" data-member="japan"' in board
    assert "+0.25 (63%)" in re.search(r'<tr id="c19".*?</tr>', board, re.S).group(0)  # (0*4 - 1 + 3) / 8
    # Agreeing with the suggestion needs no justification; "not assessed" leaves the averages.
    seen = seen_of(cell)
    agree = lea.post(
        "/scores/19/canada", data={"csrf_token": lea.csrf, "seen": seen_of(lea.get("/scores/19/canada").text), "score": "0"}, follow_redirects=False
    )
    assert agree.status_code == 303
    na = lea.post(
        "/scores/19/japan",
        data={"csrf_token": lea.csrf, "seen": seen, "score": "n/a", "justification": "Not assessed this cycle."},
        follow_redirects=False,
    )
    assert na.status_code == 303
    board = lea.get("/scores").text
    assert matrix_row(board, 19)["japan"] == ("–", "not assessed ≠ 0")
    assert "+0.43 (71%)" in re.search(r'<tr id="c19".*?</tr>', board, re.S).group(0)  # 3/7
    assert [(c.old_final, c.new_final) for c in changes(c19.url)] == [(None, -1), (None, 0), (-1, None)]


def test_a_stale_form_does_not_overwrite_another_leads_change(c19, as_user):
    lea, adam = as_user("lea"), as_user("adam")
    seen = seen_of(lea.get("/scores/19/italy").text)
    first = adam.post("/scores/19/italy", data={"csrf_token": adam.csrf, "seen": seen, "score": "0"}, follow_redirects=False)
    assert first.status_code == 303
    late = lea.post("/scores/19/italy", data={"csrf_token": lea.csrf, "seen": seen, "score": "1", "justification": "Strong in all."})
    assert late.status_code == 409
    assert "adam changed this final score while you were editing; nothing was saved" in text_of(late.text)
    assert [(c.new_final, c.user_id) for c in changes(c19.url)] == [(0, c19.users["adam"])]
    # A form claiming to have seen a change that never happened is stale too.
    assert lea.post("/scores/19/canada", data={"csrf_token": lea.csrf, "seen": "999", "score": "0"}).status_code == 409
    assert len(changes(c19.url)) == 1


@pytest.mark.parametrize("data", [{"score": "-1", "justification": "I disagree."}, {"score": "0"}])
def test_an_analyst_may_not_set_a_final_score(c19, as_user, data):
    ana = as_user("ana")
    response = ana.post("/scores/19/japan", data={"csrf_token": ana.csrf, "seen": "0", **data})
    assert response.status_code == 403 and "Not allowed" in response.text
    assert changes(c19.url) == []
    with Session(db.engine_for(c19.url)) as s:
        assert s.exec(select(func.count()).select_from(Score).where(Score.set_at.is_not(None))).one() == 0


@pytest.mark.parametrize(
    "data,problem",
    [
        ({"score": "2", "justification": "x"}, "score +2 is outside -1..+1"),
        ({"score": "high", "justification": "x"}, "is not -1, 0 or +1"),
        ({"justification": "x"}, "score: choose"),
    ],
)
def test_a_bad_score_is_a_clear_400(c19, as_user, data, problem):
    lea = as_user("lea")
    response = lea.post("/scores/19/japan", data={"csrf_token": lea.csrf, "seen": "0", **data})
    assert response.status_code == 400 and problem in text_of(response.text)
    assert changes(c19.url) == []


def test_a_cell_of_an_incomplete_commitment(c19, as_user):
    lea = as_user("lea")
    html = lea.get("/scores/1/canada").text
    text = text_of(html)
    assert ">incomplete</span>" in html and "Suggested – none" in text and "No accepted evidence for this cell." in text
    # No suggestion: any score differs from it, so it needs a justification; "not assessed" does not.
    seen = seen_of(html)
    refused = lea.post("/scores/1/canada", data={"csrf_token": lea.csrf, "seen": seen, "score": "1"})
    assert refused.status_code == 400 and "give a justification" in text_of(refused.text)
    ok = lea.post(
        "/scores/1/canada",
        data={"csrf_token": lea.csrf, "seen": seen, "score": "1", "justification": "From the published table."},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    row = matrix_row(lea.get("/scores").text, 1)
    assert row["canada"] == ("+1", "final ≠ none") and row["france"] == ("–", "no score")


def test_hostile_evidence_stays_text_on_the_cell_page(c19, as_user):
    from triage.models import User
    from triage.review.decisions import decide

    with db.session_scope(c19.url) as s:
        lea = s.exec(select(User).where(User.username == "lea")).one()
        decide(s, CatalogueIndex.load(s), suggestion_id=c19.xss_suggestion, user=lea, action="accept", version=1)
    html = as_user("ana").get("/scores/19/france").text
    assert "<script>" not in html and "<img src=x" not in html and "<b onmouseover" not in html
    assert "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in html  # the title, escaped, in the citation
    assert 'href="javascript:' not in html and "javascript:alert(4)" in html  # the address as text only


def test_unknown_cells_are_404(c19, as_user):
    lea = as_user("lea")
    assert lea.get("/scores/99/canada").status_code == 404
    assert lea.get("/scores/19/atlantis").status_code == 404
    assert lea.post("/scores/19/atlantis", data={"csrf_token": lea.csrf, "seen": "0", "score": "0"}).status_code == 404


def _download(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.text[:300])
    return response


def test_downloads_have_names_and_media_types_and_open(c19, as_user):
    ana = as_user("ana")
    expected = {
        "/scores/export/scores.csv": ("text/csv; charset=utf-8", "2024-apulia-interim-scores.csv"),
        "/scores/export/scores.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "2024-apulia-interim-scores.xlsx"),
        "/scores/export/scores.json": ("application/json", "2024-apulia-interim-scores.json"),
        "/scores/export/evidence.csv": ("text/csv; charset=utf-8", "2024-apulia-interim-evidence.csv"),
        "/scores/export/evidence.json?commitment=19": ("application/json", "2024-apulia-interim-evidence-c19.json"),
        "/scores/export/report.md?commitment=19": ("text/markdown; charset=utf-8", "2024-apulia-interim-c19.md"),
        "/scores/export/report.docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "2024-apulia-interim-report.docx"),
    }
    files = {}
    for path, (media_type, name) in expected.items():
        response = _download(ana, path)
        assert response.headers["content-type"] == media_type, path
        assert response.headers["content-disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}", path
        files[path] = response.content
    rows = list(csv.DictReader(io.StringIO(files["/scores/export/scores.csv"].decode("utf-8"))))
    japan = next(r for r in rows if r["commitment"] == "19" and r["member"] == "Japan")
    assert japan["suggested"] == "0" and "Weak in prevent and counter" in japan["explanation"]
    book = load_workbook(io.BytesIO(files["/scores/export/scores.xlsx"]))
    assert book.sheetnames[0] and any(c.value == 0.375 for ws in book for r in ws.iter_rows() for c in r)
    data = json.loads(files["/scores/export/scores.json"])
    assert data["averages"]["score"]["by_commitment"]["19"]["printed"] == "+0.38"
    evidence = list(csv.DictReader(io.StringIO(files["/scores/export/evidence.csv"].decode("utf-8"))))
    assert len(evidence) == 44 and {r["commitment"] for r in evidence} == {"19"}
    assert len(json.loads(files["/scores/export/evidence.json?commitment=19"])["evidence"]) == 44
    md = files["/scores/export/report.md?commitment=19"].decode("utf-8")
    assert "+0.38" in md and "69%" in md and "Access Date:" in md
    doc = Document(io.BytesIO(files["/scores/export/report.docx"]))
    assert any("Access Date:" in p.text for p in doc.paragraphs)
    # The dashboard links every one of these.
    board = ana.get("/scores").text
    for path in expected:
        assert f'href="{path}"' in board, path


def test_per_commitment_exports_of_other_commitments_and_bad_requests(c19, as_user):
    ana = as_user("ana")
    empty = _download(ana, "/scores/export/evidence.csv?commitment=18")
    assert empty.content.decode("utf-8").strip().count("\n") == 0  # the header only
    pdf = ana.get("/scores/export/scores.pdf")
    assert pdf.status_code == 400 and "unknown format 'pdf': use csv, json, xlsx" in text_of(pdf.text)
    assert ana.get("/scores/export/report.md?commitment=99").status_code == 400
    assert ana.get("/scores/export/evidence.csv?commitment=x").status_code == 400

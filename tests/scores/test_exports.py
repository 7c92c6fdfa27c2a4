"""Score and evidence tables (CSV, XLSX, JSON) and the evidence plot: contents, not just formats."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from docx import Document
from openpyxl import load_workbook
from sqlmodel import select

from tests.scores.conftest import PUBLISHED_C19
from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.export.plots import evidence_plot
from triage.export.tables import evidence_csv, evidence_json, scores_csv, scores_json, scores_xlsx
from triage.models import User
from triage.scoring.accepted import evidence_rows
from triage.scoring.final import set_final
from triage.scoring.matrix import Timeline, load_matrix

NAMES = {
    "canada": "Canada",
    "france": "France",
    "germany": "Germany",
    "italy": "Italy",
    "japan": "Japan",
    "united-kingdom": "United Kingdom",
    "united-states": "United States",
    "european-union": "European Union",
}


def _matrix_with_a_final(url):
    with db.session_scope(url) as s:
        index = CatalogueIndex.load(s)
        lea = s.exec(select(User).where(User.username == "lea")).one()
        set_final(s, index, commitment=19, member="Japan", score=-1, user=lea, justification='=HYPERLINK("x") statements only')
    with db.session_scope(url) as s:
        return load_matrix(s, CatalogueIndex.load(s))


def test_scores_csv_and_json(imported):
    matrix = _matrix_with_a_final(imported)
    rows = list(csv.DictReader(io.StringIO(scores_csv(matrix))))
    assert len(rows) == 160
    c19 = {r["member"]: r for r in rows if r["commitment"] == "19"}
    assert {m: int(c19[n]["suggested"]) for m, n in NAMES.items()} == PUBLISHED_C19
    japan = c19["Japan"]
    assert (japan["score"], japan["suggested"], japan["final"], japan["final_set"], japan["set_by"]) == ("-1", "0", "-1", "true", "lea")
    assert japan["justification"].startswith("'=HYPERLINK")  # a spreadsheet must not run it
    assert japan["explanation"].startswith("Weak in prevent and counter")
    assert c19["Canada"]["final"] == "" and c19["Canada"]["final_set"] == "false"
    data = json.loads(scores_json(matrix))
    assert data["averages"]["score"]["by_commitment"]["19"] == {"value": 0.25, "printed": "+0.25", "percent": 63}
    assert data["averages"]["suggested"]["by_commitment"]["19"]["printed"] == "+0.38"
    assert data["averages"]["final"]["by_commitment"]["19"]["printed"] == "-1.00"
    j = next(r for r in data["scores"] if r["commitment"] == 19 and r["member"] == "Japan")
    assert j["justification"] == '=HYPERLINK("x") statements only' and j["final"] == -1


def test_scores_xlsx_opens_with_its_contents(imported):
    matrix = _matrix_with_a_final(imported)
    wb = load_workbook(io.BytesIO(scores_xlsx(matrix)))
    assert wb.sheetnames == ["Scores", "Summary"]
    ws = wb["Scores"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r])) for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 160
    japan = next(r for r in rows if r["commitment"] == 19 and r["member"] == "Japan")
    assert (japan["score"], japan["suggested"], japan["final"]) == (-1, 0, -1)
    assert japan["justification"] == '=HYPERLINK("x") statements only'
    cell = ws.cell(row=rows.index(japan) + 2, column=header.index("justification") + 1)
    assert cell.data_type == "s"  # text, not a formula
    summary = wb["Summary"]
    srows = [[c.value for c in r] for r in summary.iter_rows()]
    assert srows[0] == ["#", "Commitment", *NAMES.values(), "Average", "Percent"]
    c19 = next(r for r in srows if r[0] == 19)
    assert c19[2:10] == [0, 0, 0, 0, -1, 1, 1, 1] and c19[10:] == [0.25, 63]  # numbers, not text
    assert summary.cell(row=srows.index(c19) + 1, column=11).number_format == "+0.00;-0.00;0.00"
    assert srows[-1][1] == "Average" and srows[-1][10:] == [0.25, 63]
    assert next(r for r in srows if r[0] == 1)[1].endswith("(incomplete)")


def test_evidence_exports(imported, cli):
    with db.session_scope(imported) as s:
        rows = evidence_rows(s, CatalogueIndex.load(s), 19)
    assert len(rows) == 44
    parsed = list(csv.DictReader(io.StringIO(evidence_csv(rows))))
    canada = [r for r in parsed if r["member"] == "Canada"]
    laws = next(r for r in canada if "laws-lois" in r["url"])
    assert laws["source_date"] == "" and laws["accessed"] == "2024-10-03" and laws["decided_by"] == "ana"
    assert laws["citation"].endswith(
        "Justice Laws Website (Ottawa) n.d. Access Date: 3 October 2024. https://laws-lois.justice.gc.ca/eng/acts/c-46/page-43.html"
    )
    data = json.loads(evidence_json(rows))["evidence"]
    assert {(d["member"], d["dimension"], d["strength"]) for d in data if d["member"] == "Japan"} == {
        ("Japan", "prevent", "weak"),
        ("Japan", "counter", "weak"),
    }
    out = cli("export", "evidence", "--format", "json", "--commitment", "19")
    assert out.code == 0 and len(json.loads(out.out)["evidence"]) == 44
    assert cli("export", "evidence", "--commitment", "5", "--format", "csv").out.count("\n") == 1  # header only


def test_cli_score_exports(imported, cli, tmp_path):
    assert cli("export", "scores", "--format", "csv").out.startswith("catalogue,commitment,area,title,complete,member,score")
    refused = cli("export", "scores", "--format", "xlsx")
    assert refused.code == 2 and "xlsx is a binary format: give a file with --out" in refused.err
    out = tmp_path / "scores.xlsx"
    assert cli("export", "scores", "--format", "xlsx", "--out", out).code == 0
    assert load_workbook(out)["Summary"].cell(row=1, column=1).value == "#"
    assert cli("export", "scores", "--format", "pdf").code == 2
    data = cli("export", "scores", "--format", "json").json
    assert data["averages"]["score"]["overall"]["printed"] == "+0.38"


def test_plot_is_a_pure_function_of_the_timeline():
    start, end = dt.date(2024, 6, 15), dt.date(2024, 12, 20)
    timeline = Timeline(start, end, [("a", "A & <Co>"), ("b", "Bee")], {"a": [dt.date(2024, 7, 1), dt.date(2024, 7, 1), dt.date(2024, 9, 3)]}, {}, {})
    assert timeline.cumulative("a") == [(start, 0), (dt.date(2024, 7, 1), 2), (dt.date(2024, 9, 3), 3)]
    svg = evidence_plot(timeline, "svg")
    assert svg == evidence_plot(timeline, "svg")  # deterministic
    text = svg.decode()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "A &amp; &lt;Co&gt; (3)" in text and "<Co>" not in text  # escaped by matplotlib
    assert "Bee" not in text  # no evidence, no line
    png = evidence_plot(timeline, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    empty = evidence_plot(Timeline(start, end, [("a", "A")], {}, {}, {}), "svg").decode()
    assert "No accepted evidence yet" in empty


def test_plot_from_the_dashboard(imported):
    from triage.scoring.matrix import dashboard

    with db.session_scope(imported) as s:
        board = dashboard(s)
    text = evidence_plot(board.timeline).decode()
    assert "Canada (3)" in text and "United Kingdom (4)" in text


def test_export_files_for_downloads(imported):
    from triage.export.files import export_evidence, export_report, export_scores

    with db.session_scope(imported) as s:
        index = CatalogueIndex.load(s)
        xlsx = export_scores(s, index, fmt="XLSX")
        report = export_report(s, index, fmt="md", commitment=19)
        evidence = export_evidence(s, index, fmt="json", commitment=19)
    assert (xlsx.filename, xlsx.binary) == ("2024-apulia-interim-scores.xlsx", True)
    assert xlsx.media_type.endswith("spreadsheetml.sheet") and xlsx.data[:2] == b"PK"
    assert report.filename == "2024-apulia-interim-c19.md" and report.data.startswith("## 19. Migration and Refugees")
    assert evidence.media_type == "application/json" and len(json.loads(evidence.data)["evidence"]) == 44


def test_any_text_is_safe_in_every_format(imported, session_for):
    """A pasted vertical tab (Word's line break) and other control characters leave DOCX and XLSX
    readable; CSV guards formulas, fullwidth ones included, and quotes fields holding ';'."""
    from triage.export.files import export_report, export_scores

    s = session_for(imported)
    index = CatalogueIndex.load(s)
    lea = s.exec(select(User).where(User.username == "lea")).one()
    set_final(s, index, commitment=19, member="Japan", score=-1, user=lea, justification="Line one\x0bline two\x01; \uff1dSUM(A1)")
    set_final(s, index, commitment=19, member="Canada", score=1, user=lea, justification="\uff0bcmd; more")
    s.commit()
    book = load_workbook(io.BytesIO(export_scores(s, index, fmt="xlsx").data))
    texts = [c.value for r in book["Scores"].iter_rows() for c in r if isinstance(c.value, str)]
    assert "Line one line two; \uff1dSUM(A1)" in texts
    doc = Document(io.BytesIO(export_report(s, index, fmt="docx", commitment=19).data))
    assert any("Line one line two" in p.text for p in doc.paragraphs)
    data = export_scores(s, index, fmt="csv").data
    assert '"\'\uff0bcmd; more"' in data
    rows = list(csv.DictReader(io.StringIO(data)))
    assert next(r for r in rows if r["member"] == "Canada" and r["commitment"] == "19")["justification"] == "'\uff0bcmd; more"

"""The commitment-19 section built from accepted evidence: table, averages, order, footnotes, citations."""

from __future__ import annotations

import io
import json
import re

from docx import Document
from sqlmodel import select

from tests.scores.conftest import C19_EVIDENCE, PUBLISHED_C19
from triage.catalogue.index import CatalogueIndex
from triage.export.report import build_report, build_section, commitment_report, report_docx, report_markdown, section_markdown
from triage.models import User
from triage.scoring.final import set_final

MEMBERS = ["Canada", "France", "Germany", "Italy", "Japan", "United Kingdom", "United States", "European Union"]
CANADA_NOTE_1 = (
    "Offences Against the Person and Reputation (continued): Kidnapping, Trafficking in Persons, Hostage Taking and "
    "Abduction (continued), Justice Laws Website (Ottawa) n.d. Access Date: 3 October 2024. "
    "https://laws-lois.justice.gc.ca/eng/acts/c-46/page-43.html"
)
REUTERS_NOTE = (
    "France, Italy launch project to exchange migrant trafficking information, Reuters 4 October 2024. "
    "Access Date: 15 October 2024. https://www.reuters.com/world/europe/france-italy-launch-project-exchange-migrant-trafficking-information-2024-10-04/"
)


def _section(session):
    index = CatalogueIndex.load(session)
    return index, build_section(session, index, 19)


def test_assessment_table_and_average(imported, session_for):
    _, section = _section(session_for(imported))
    assert [name for name, _ in section.rows] == MEMBERS
    keys = list(PUBLISHED_C19)
    assert [score for _, score in section.rows] == [PUBLISHED_C19[k] for k in keys]
    assert section.average == "+0.38 (69%)"
    assert [label for _, label in section.columns] == ["No Compliance", "Partial Compliance", "Full Compliance"]
    md = section_markdown(section)
    assert "| | No Compliance | Partial Compliance | Full Compliance |" in md
    assert "| Canada |  | 0 |  |" in md
    assert "| European Union |  |  | +1 |" in md
    assert "| **Average** | **+0.38 (69%)** | | |" in md
    assert "\u201cIn line with the UN Convention against Transnational Organized Crime (UNTOC)" in md
    assert "\nG7 Apulia Leaders' Communiqué\n" in md


def test_evidence_in_date_order_with_continuous_footnotes(imported, session_for):
    _, section = _section(session_for(imported))
    numbers = []
    for m in section.members:
        dates = [p.date for p in m.paragraphs]
        assert dates == sorted(dates), m.name
        assert m.paragraphs, f"{m.name} has evidence"
        numbers += [p.footnote for p in m.paragraphs]
    # One paragraph per imported line (each line is one item for one member).
    assert numbers == list(range(1, 26))
    assert [n for n, _ in section.footnotes] == numbers
    canada = section.members[0]
    # The file lists Canada's evidence out of order; the section puts 18 September first.
    assert [p.date.isoformat() for p in canada.paragraphs] == ["2024-09-18", "2024-10-04", "2024-11-26"]
    assert canada.paragraphs[0].text.startswith("On 18 September 2024, Canada amended the trafficking-in-persons")
    assert canada.paragraphs[0].citation == CANADA_NOTE_1
    assert REUTERS_NOTE in [text for _, text in section.footnotes]


def test_dates_are_not_doubled_and_undated_text_gets_its_date(imported, session_for):
    _, section = _section(session_for(imported))
    texts = [p.text for m in section.members for p in m.paragraphs]
    assert all(re.match(r"On \d{1,2} [A-Z][a-z]+ 2024, ", t) for t in texts)
    assert not [t for t in texts if re.search(r"^On [^,]+, On ", t)]
    japan = next(m for m in section.members if m.name == "Japan")
    assert japan.paragraphs[-1].text == (
        "On 26 November 2024, the G7 foreign ministers, Japan among them, restated their Apulia commitment "
        "to address irregular migration and its causes."
    )


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def _day(text: str | None) -> str:
    if not text:
        return "n.d."
    y, m, d = (int(x) for x in text.split("-"))
    return f"{d} {MONTHS[m - 1]} {y}"


def expected_footnotes() -> list[str]:
    """The test's own reading of the import file: member order, then date, then file order;
    each line cited as it says (a page two lines cite keeps each line's own citation; no
    access date is the import's day)."""
    import datetime as dt

    today = dt.datetime.now(dt.UTC).date().isoformat()
    lines = [json.loads(line) for line in C19_EVIDENCE.read_text(encoding="utf-8").splitlines() if line.strip()]
    notes = []
    for member in MEMBERS:
        mine = sorted((line for line in lines if line["member"] == member), key=lambda line: line["action_date"])
        for src in mine:
            city = f" ({src['source_city']})" if src.get("source_city") else ""
            published = _day(src["source_date"])
            published += "" if published.endswith(".") else "."
            accessed = _day(src.get("accessed") or today)
            notes.append(f"{src['source_title']}, {src['source_publisher']}{city} {published} Access Date: {accessed}. {src['url']}")
    return notes


def test_every_citation_follows_the_style_in_order(imported, session_for):
    _, section = _section(session_for(imported))
    assert [text for _, text in section.footnotes] == expected_footnotes()


def test_member_frame_as_the_report_prints_it(imported, session_for):
    session = session_for(imported)
    index, section = _section(session)
    japan = next(m for m in section.members if m.name == "Japan")
    assert japan.heading == "Japan: 0"
    assert japan.opening == (
        "Japan has partially complied with its commitment to strengthen actions to prevent, counter, and dismantle "
        "organized criminal networks that profit from the smuggling of migrants and trafficking in persons and disrupt "
        "their business models."
    )
    assert japan.conclusion.startswith(japan.opening + " Japan has taken weak action in the prevent and counter dimensions")
    assert japan.thus == "Thus, Japan receives a score of 0." and japan.analyst == "Analyst: Anali Arambula Galindo"
    uk = next(m for m in section.members if m.name == "United Kingdom")
    assert uk.heading == "United Kingdom: +1" and uk.opening.startswith("The United Kingdom has fully complied with its commitment to strengthen")
    assert uk.thus == "Thus, the United Kingdom receives a score of +1."
    assert section.staff_line == "Compliance Director: Michal Gromek Lead Analyst: Anali Arambula Galindo"
    # Draft-only notes are in the review list, never in the prose.
    prose = " ".join([m.opening + m.conclusion + m.thus for m in section.members])
    assert "Draft" not in prose and "suggested" not in prose
    assert "Japan: the score 0 is the suggested one; a lead has not set the final score yet." in section.review

    lead = session.exec(select(User).where(User.username == "lea")).one()
    set_final(session, index, commitment=19, member="Japan", score=-1, user=lead, justification="Only restatements of the commitment.")
    session.commit()
    _, section = _section(session)
    japan = next(m for m in section.members if m.name == "Japan")
    assert japan.heading == "Japan: -1" and japan.opening.startswith("Japan has not complied with its commitment to strengthen")
    assert japan.thus == "Thus, Japan receives a score of -1."
    assert "Japan: the final score differs from the suggested 0; justification: Only restatements of the commitment." in section.review
    assert section.average == "+0.25 (63%)"  # (0*4 - 1 + 3) / 8 = 0.25; 62.5% rounds half up


def test_markdown_footnotes_match_the_references(imported, session_for):
    session = session_for(imported)
    md = commitment_report(session, CatalogueIndex.load(session), 19, "md")
    refs = re.findall(r"\[\^(\d+)\](?!:)", md)
    defs = re.findall(r"^\[\^(\d+)\]: (.*)$", md, flags=re.M)
    assert [int(r) for r in refs] == list(range(1, 26))
    assert [int(n) for n, _ in defs] == list(range(1, 26))
    assert defs[0][1] == CANADA_NOTE_1
    # Members in catalogue order, each under its own heading.
    headings = re.findall(r"^### (.+)$", md, flags=re.M)
    assert headings == [
        "Assessment",
        "Commitment Features",
        "Definitions and Concepts",
        "General Interpretive Guidelines",
        "Scoring Guidelines",
        *[f"{m}: {'+1' if m in MEMBERS[5:] else '0'}" for m in MEMBERS],
    ]


def test_docx_section_opens_and_says_the_same(imported, session_for):
    session = session_for(imported)
    data = commitment_report(session, CatalogueIndex.load(session), 19, "docx")
    doc = Document(io.BytesIO(data))
    text = [p.text for p in doc.paragraphs]
    assert text[0] == "19. Migration and Refugees: Preventing Migrant Smuggling and Trafficking"
    assert any(t.startswith("\u201cIn line with the UN Convention") for t in text)
    table = doc.tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["", "No Compliance", "Partial Compliance", "Full Compliance"]
    assert rows[1] == ["Canada", "", "0", ""]
    assert rows[6] == ["United Kingdom", "", "", "+1"]
    assert rows[-1][:2] == ["Average", "+0.38 (69%)"]
    # Paragraph text then its superscript footnote number.
    para = next(p for p in doc.paragraphs if p.text.startswith("On 18 September 2024, Canada amended"))
    assert para.runs[-1].text == "1" and para.runs[-1].font.superscript
    notes = [t for t in text[text.index("Notes") + 1 :] if t[:1].isdigit()]
    assert len(notes) == 25 and notes[0] == f"1 {CANADA_NOTE_1}"


def test_whole_report_has_summary_tables_and_runs_footnotes_on(imported, session_for):
    session = session_for(imported)
    index = CatalogueIndex.load(session)
    report = build_report(session, index)
    md = report_markdown(report)
    assert md.startswith("# 2024 G7 Apulia Summit Interim Compliance Report\n\n15 June 2024 to 20 December 2024\n")
    assert "### Scores by commitment and member" in md and "### Scores by member" in md and "### Scores by commitment" in md
    assert "| 19 | Migration and Refugees: Preventing Migrant Smuggling and Trafficking | 0 | 0 | 0 | 0 | 0 | +1 | +1 | +1 | +0.38 (69%) |" in md
    assert "| 1 | Regional Security: Military Assistance for Ukraine (incomplete) | n/a |" in md
    assert "| Japan | 0.00 (50%) |" in md and "| United States | +1.00 (100%) |" in md
    assert "| Overall | +0.38 (69%) |" in md
    assert [int(n) for n in re.findall(r"^\[\^(\d+)\]:", md, flags=re.M)] == list(range(1, 26))
    doc = Document(io.BytesIO(report_docx(report)))
    assert len(doc.tables) == 4  # three summary tables and commitment 19's assessment
    by_member = [[c.text for c in r.cells] for r in doc.tables[1].rows]
    assert by_member[0] == ["Member", "Average"] and by_member[-1] == ["Overall", "+0.38 (69%)"]


def test_cli_report(imported, cli, tmp_path, session_for):
    result = cli("export", "report", "--commitment", "19", "--format", "md")
    assert result.code == 0, result.err
    session = session_for(imported)
    assert result.out == commitment_report(session, CatalogueIndex.load(session), 19, "md")
    refused = cli("export", "report", "--commitment", "19", "--format", "docx")
    assert refused.code == 2 and "binary format" in refused.err and "--out" in refused.err
    out = tmp_path / "c19.docx"
    assert cli("export", "report", "--format", "docx", "--out", out).code == 0
    assert Document(str(out)).paragraphs[0].text == "2024 G7 Apulia Summit Interim Compliance Report"
    unknown = cli("export", "report", "--commitment", "99")
    assert unknown.code == 2 and "unknown commitment 99" in unknown.err

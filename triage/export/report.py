"""Report drafts rendered to Markdown and DOCX from one document model (triage.export.draft).

Both formats say the same thing in the same order. DOCX has no footnotes through
python-docx, so its footnote numbers are superscripts and the citations are listed under
"Notes" at the end of each section, numbered as in Markdown (one run over the whole
draft). The whole-report table (scores by commitment and member, as Table B of the
reports) goes in a landscape section with fixed column widths and short member labels,
so that no word has to be broken. Every piece of text goes through `xml_safe` first: a
control character pasted into a justification must not break the file.
"""

from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.shared import Cm, Pt
from sqlmodel import Session

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import format_score
from triage.export.citation import report_date, xml_safe
from triage.export.draft import Report, Section, build_report, build_section
from triage.scoring.aggregate import printed
from triage.scoring.matrix import Matrix

__all__ = ["Report", "Section", "build_report", "build_section", "commitment_report", "report_docx", "report_markdown", "section_markdown"]

REVIEW_HEADING = "Review list (for the draft's readers; not part of the report)"

# --- Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>])")


def _md(text: str, table: bool = False) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", xml_safe(text))
    return text.replace("|", "\\|") if table else text


def _assessment_md(section: Section) -> list[str]:
    out = ["| | " + " | ".join(label for _s, label in section.columns) + " |", "|---|" + "---|" * len(section.columns)]
    for name, score in section.rows:
        cells = [format_score(score) if score == s else "" for s, _label in section.columns]
        out.append(f"| {_md(name, True)} | " + " | ".join(cells) + " |")
    out.append(f"| **Average** | **{section.average}** |" + " |" * (len(section.columns) - 1))
    return out


def _methodology(section: Section) -> list[tuple[str, list[str]]]:
    parts = [
        ("Background", [section.background] if section.background else []),
        ("Commitment Features", [section.features] if section.features else []),
        ("Definitions and Concepts", section.definitions),
        ("General Interpretive Guidelines", section.interpretive),
        ("Scoring Guidelines", section.scoring),
    ]
    return [(title, texts) for title, texts in parts if texts]


def section_markdown(section: Section, heading_level: int = 2, footnotes: bool = True) -> str:
    h = "#" * heading_level
    lines = [f"{h} {_md(section.heading)}", ""]
    if section.quote:
        lines += [f"\u201c{_md(section.quote)}\u201d", ""]
        if section.quote_line:
            lines += [_md(section.quote_line), ""]
    lines += [f"{h}# Assessment", "", *_assessment_md(section), ""]
    for title, texts in _methodology(section):
        lines += [f"{h}# {title}", ""]
        for text in texts:
            lines += [_md(text), ""]
    if section.staff_line:
        lines += [_md(section.staff_line), ""]
    for m in section.members:
        lines += [f"{h}# {_md(m.heading)}", "", _md(m.opening), ""]
        for p in m.paragraphs:
            lines += [f"{_md(p.text)}[^{p.footnote}]", ""]
        lines += [_md(m.conclusion), "", _md(m.thus), ""]
        if m.analyst:
            lines += [_md(m.analyst), ""]
    if footnotes:
        lines += footnotes_markdown(section.footnotes)
        lines += review_markdown(section.review, heading_level)
    return "\n".join(lines).rstrip("\n") + "\n"


def footnotes_markdown(notes: list[tuple[int, str]]) -> list[str]:
    return [f"[^{n}]: {_md(text)}" for n, text in notes] + ([""] if notes else [])


def review_markdown(review: list[str], heading_level: int = 2) -> list[str]:
    if not review:
        return []
    return ["---", "", f"{'#' * heading_level} {REVIEW_HEADING}", "", *[f"- {_md(r)}" for r in review], ""]


def summary_tables(matrix: Matrix, codes: dict[str, str] | None = None) -> dict[str, list[list[str]]]:
    """The summary tables as rows of printed cells (header first); members are columns,
    labelled by `codes` (member key -> CAN, UK, EU) when given."""
    averages = matrix.averages("score")
    names = [(codes or {}).get(k, name) for k, name in matrix.members]
    by_both = [["#", "Commitment", *names, "Average"]]
    for c in matrix.commitments:
        title = f"{c.area}: {c.title}" + ("" if c.complete else " (incomplete)")
        scores = [format_score(matrix.cell(c.number, k).score) for k, _n in matrix.members]
        by_both.append([str(c.number), title, *scores, printed(averages.commitment(c.number))])
    by_both.append(["", "Average", *[printed(averages.member(k)) for k, _n in matrix.members], printed(averages.overall)])
    by_member = [["Member", "Average"]] + [[name, printed(averages.member(k))] for k, name in matrix.members]
    by_member.append(["Overall", printed(averages.overall)])
    by_commitment = [["#", "Commitment", "Average"]] + [
        [str(c.number), f"{c.area}: {c.title}", printed(averages.commitment(c.number))] for c in matrix.commitments
    ]
    by_commitment.append(["", "Overall", printed(averages.overall)])
    return {"Scores by commitment and member": by_both, "Scores by member": by_member, "Scores by commitment": by_commitment}


def _table_md(rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(_md(c, True) for c in rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(_md(c, True) for c in r) + " |" for r in rows[1:]]
    return out


def report_markdown(report: Report) -> str:
    m = report.matrix
    lines = [f"# {_md(m.title)}", "", f"{report_date(m.period[0])} to {report_date(m.period[1])}", "", "## Summary", ""]
    lines.append(f"Overall compliance (scores that count: final where set, otherwise suggested): **{printed(m.averages('score').overall)}**")
    lines.append("")
    for title, rows in summary_tables(m).items():
        lines += [f"### {title}", "", *_table_md(rows), ""]
    for section in report.sections:
        lines += [section_markdown(section, footnotes=False)]
    lines += footnotes_markdown(report.footnotes)
    lines += review_markdown(report.review)
    return "\n".join(lines).rstrip("\n") + "\n"


# --- DOCX -----------------------------------------------------------------------------------------


def _docx_table(doc, rows: list[list[str]], bold_last: bool = True, widths: list[float] | None = None, size: float | None = None):
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    if widths:
        # Word reads the cells' widths, LibreOffice the grid's: set both, and a fixed layout.
        table.autofit = False
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = xml_safe(value)
            if widths:
                cell.width = Cm(widths[c])
            for run in cell.paragraphs[0].runs:
                if r == 0 or (bold_last and r == len(rows) - 1):
                    run.bold = True
                if size:
                    run.font.size = Pt(size)
    return table


def _assessment_rows(section: Section) -> list[list[str]]:
    rows = [["", *[label for _s, label in section.columns]]]
    for name, score in section.rows:
        rows.append([name, *[format_score(score) if score == s else "" for s, _l in section.columns]])
    rows.append(["Average", section.average, *[""] * (len(section.columns) - 1)])
    return rows


def _para(doc, text: str, *, italic: bool = False, bold: bool = False):
    para = doc.add_paragraph()
    run = para.add_run(xml_safe(text))
    run.italic, run.bold = italic, bold
    return para


def _section_docx(doc, section: Section, notes: bool = True) -> None:
    doc.add_heading(xml_safe(section.heading), level=1)
    if section.quote:
        _para(doc, f"\u201c{section.quote}\u201d", italic=True)
        if section.quote_line:
            _para(doc, section.quote_line)
    doc.add_heading("Assessment", level=2)
    _docx_table(doc, _assessment_rows(section))
    for title, texts in _methodology(section):
        doc.add_heading(title, level=2)
        for text in texts:
            _para(doc, text)
    if section.staff_line:
        _para(doc, section.staff_line)
    for m in section.members:
        doc.add_heading(xml_safe(m.heading), level=2)
        _para(doc, m.opening)
        for p in m.paragraphs:
            para = _para(doc, p.text)
            para.add_run(str(p.footnote)).font.superscript = True
        _para(doc, m.conclusion)
        _para(doc, m.thus)
        if m.analyst:
            _para(doc, m.analyst)
    if notes:
        _notes_docx(doc, section.footnotes)
        _review_docx(doc, section.review)


def _notes_docx(doc, footnotes: list[tuple[int, str]]) -> None:
    if not footnotes:
        return
    doc.add_heading("Notes", level=2)
    for n, text in footnotes:
        note = doc.add_paragraph()
        note.add_run(f"{n} ").font.superscript = True
        note.add_run(xml_safe(text)).font.size = Pt(9)


def _review_docx(doc, review: list[str]) -> None:
    if review:
        doc.add_heading(REVIEW_HEADING, level=2)
        for r in review:
            doc.add_paragraph(xml_safe(r), style="List Bullet")


def _save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def section_docx(section: Section) -> bytes:
    doc = Document()
    _section_docx(doc, section)
    return _save(doc)


def _landscape(doc, landscape: bool):
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    width, height = section.page_width, section.page_height
    if landscape != (width > height):
        section.page_width, section.page_height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    return section


def _whole_table(doc, matrix: Matrix, title: str, rows: list[list[str]]) -> None:
    """Table B: commitments as rows, members as columns, on a landscape page with fixed widths."""
    section = _landscape(doc, True)
    section.left_margin = section.right_margin = Cm(1.27)
    doc.add_heading(title, level=2)
    usable = (section.page_width - section.left_margin - section.right_margin) / 360000  # EMU -> cm
    members = len(matrix.members)
    # Member columns hold "+1.00 (100%)" on one line at 7 pt; the title column takes the rest.
    number, average, member = 0.8, 2.2, 2.0
    title = max(4.0, usable - number - average - member * members)
    _docx_table(doc, rows, widths=[number, title, *[member] * members, average], size=7)
    _landscape(doc, False)


def report_docx(report: Report) -> bytes:
    m = report.matrix
    doc = Document()
    doc.add_heading(xml_safe(m.title), level=0)
    doc.add_paragraph(f"{report_date(m.period[0])} to {report_date(m.period[1])}")
    doc.add_heading("Summary", level=1)
    doc.add_paragraph(f"Overall compliance: {printed(m.averages('score').overall)}")
    for title, rows in summary_tables(m, report.codes).items():
        if title == "Scores by commitment and member":
            _whole_table(doc, m, title, rows)
        else:
            doc.add_heading(title, level=2)
            _docx_table(doc, rows)
    for section in report.sections:
        _section_docx(doc, section, notes=False)
    _notes_docx(doc, report.footnotes)
    _review_docx(doc, report.review)
    return _save(doc)


# --- one call per export, for the CLI and the web app -------------------------------------------


def commitment_report(session: Session, index: CatalogueIndex, number: int, fmt: str, first_footnote: int = 1) -> str | bytes:
    section = build_section(session, index, number, first_footnote=first_footnote)
    return section_markdown(section) if fmt == "md" else section_docx(section)


def whole_report(session: Session, index: CatalogueIndex, fmt: str, first_footnote: int = 1) -> str | bytes:
    report = build_report(session, index, first_footnote=first_footnote)
    return report_markdown(report) if fmt == "md" else report_docx(report)

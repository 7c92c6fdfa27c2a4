"""Report drafts laid out like the research group's compliance reports.

A commitment's section: the summit quote and its source; the assessment table (each
member's score under No, Partial or Full compliance, then the average with its
percentage); then, member by member, a score line, the dated evidence as "On 12 July
2024, ..." paragraphs in date order, each with a numbered footnote in the report's
citation style (numbers run on through the section, and through the whole report in a
whole-report draft), and a conclusion sentence built from the score's explanation for
the analyst to rewrite. The whole-report draft adds the summary tables: scores by
commitment and member with averages, by member, and by commitment.

The score printed is the one that counts (the lead's final score once set, otherwise
the suggestion; a draft says which). One item accepted in several dimensions is one
paragraph. The section is built once as data (`Section`) and rendered to Markdown and
DOCX from it, so both formats say the same thing. DOCX has no footnotes through
python-docx, so its footnote numbers are superscripts and the citations are listed
under "Notes" at the end of each section.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from docx import Document
from docx.shared import Pt
from sqlmodel import Session

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import format_score
from triage.errors import InputError
from triage.export.citation import Source, citation, dated_paragraph, report_date
from triage.scoring.accepted import EvidenceRow, evidence_rows
from triage.scoring.aggregate import printed
from triage.scoring.matrix import Cell, Matrix, load_matrix

VERBS = {1: "fully complied", 0: "partially complied", -1: "not complied"}
RANK = {"none": 0, "weak": 1, "strong": 2}


@dataclass
class Paragraph:
    date: dt.date | None
    text: str
    footnote: int
    citation: str


@dataclass
class MemberSection:
    key: str
    name: str
    score: int | None
    final_set: bool
    score_line: str
    paragraphs: list[Paragraph]
    conclusion: str


@dataclass
class Section:
    number: int
    area: str
    title: str
    quote: str | None
    quote_source: str | None  # the source's title, printed under the quote
    columns: list[tuple[int, str]]  # (score, label) left to right
    rows: list[tuple[str, int | None]]  # (member name, score)
    average: str  # '+0.38 (69%)'
    members: list[MemberSection]
    footnotes: list[tuple[int, str]] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.area}: {self.title}"


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:] if name[:1].isupper() and not name[:2].isupper() else name


def _join(words: list[str], last: str = "and") -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


def _score_line(name: str, cell: Cell) -> str:
    score = cell.score
    if score is None:
        return f"{name} was not assessed on this commitment." if cell.final_set else f"{name} has no score on this commitment yet."
    line = f"{name} has {VERBS.get(score, 'complied')} with its commitment."
    if not cell.final_set:
        line += " (Draft: suggested score; a lead has not set the final score yet.)"
    return line


def _conclusion(name: str, cell: Cell, dims: list[tuple[str, str]], rows: list[EvidenceRow]) -> str:
    """One sentence on what the evidence shows, then the score; for the analyst to rewrite."""
    parts = []
    if dims:
        best = {key: "none" for key, _ in dims}
        contradictory = False
        for e in rows:
            if e.contradictory:
                contradictory = True
            elif e.dimension in best and RANK[e.strength] > RANK[best[e.dimension]]:
                best[e.dimension] = e.strength
        names = dict(dims)
        groups = {lv: [_lower_first(names[k]) for k, v in best.items() if v == lv] for lv in ("strong", "weak", "none")}

        def dimension_words(keys: list[str]) -> str:
            return f"the {_join(keys)} dimension" + ("s" if len(keys) > 1 else "")

        if groups["strong"]:
            parts.append(f"strong action in {dimension_words(groups['strong'])}")
        if groups["weak"]:
            parts.append(f"weak action in {dimension_words(groups['weak'])}")
        if groups["none"] and (groups["strong"] or groups["weak"]):
            parts.append(f"no action in {dimension_words(groups['none'])}")
        if not groups["strong"] and not groups["weak"]:
            parts.append("no action in any dimension")
        if contradictory:
            parts.append("action contradictory to the commitment")
    sentence = f"Overall, {name} has taken {_join(parts)}. " if parts else ""
    if cell.score is None:
        return sentence + f"Thus, {name} is not assessed on this commitment."
    sentence += f"Thus, {name} receives a score of {format_score(cell.score)}."
    if cell.differs:
        suggestion = format_score(cell.suggested) if cell.suggested is not None else "no score"
        sentence += f" (Triage suggested {suggestion}; the final score was set because: {cell.justification or 'no justification recorded'})"
    return sentence


def _paragraphs(rows: list[EvidenceRow], first: int) -> list[Paragraph]:
    """One paragraph per item (several dimensions of one item are one action), by date."""
    grouped: dict[tuple, EvidenceRow] = {}
    for e in rows:
        key = (e.item_id, e.quote.strip())
        if key not in grouped or (e.date and (grouped[key].date is None or e.date < grouped[key].date)):
            grouped[key] = e
    ordered = sorted(grouped.values(), key=lambda e: (e.date is None, e.date or dt.date.min, e.decision_id))
    return [Paragraph(e.date, dated_paragraph(e.date, e.quote or e.source.title), first + n, citation(e.source)) for n, e in enumerate(ordered)]


def build_section(
    session: Session,
    index: CatalogueIndex,
    number: int,
    *,
    matrix: Matrix | None = None,
    evidence: list[EvidenceRow] | None = None,
    first_footnote: int = 1,
) -> Section:
    commitment = index.commitment(number)
    if commitment is None:
        raise InputError(f"unknown commitment {number} in catalogue {index.catalogue.id}")
    evidence = [e for e in (evidence if evidence is not None else evidence_rows(session, index, number)) if e.commitment == number]
    matrix = matrix or load_matrix(session, index, evidence)
    info = matrix.commitment(number)
    scale = matrix.scale
    columns = [(s, scale.get(s, format_score(s)).title()) for s in sorted(scale)]
    members: list[MemberSection] = []
    footnotes: list[tuple[int, str]] = []
    next_note = first_footnote
    for key, name in matrix.members:
        cell = matrix.cell(number, key)
        mine = [e for e in evidence if e.member == key]
        paragraphs = _paragraphs(mine, next_note)
        next_note += len(paragraphs)
        footnotes.extend((p.footnote, p.citation) for p in paragraphs)
        members.append(
            MemberSection(key, name, cell.score, cell.final_set, _score_line(name, cell), paragraphs, _conclusion(name, cell, info.dimensions, mine))
        )
    source = Source.from_mapping(commitment.quote_source)
    return Section(
        number=number,
        area=commitment.area,
        title=commitment.title,
        quote=commitment.quote,
        quote_source=source.title if source else None,
        columns=columns,
        rows=[(m.name, m.score) for m in members],
        average=printed(matrix.averages("score", [number]).commitment(number)),
        members=members,
        footnotes=footnotes,
    )


# --- Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>])")


def _md(text: str, table: bool = False) -> str:
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("|", "\\|") if table else text


def _assessment_md(section: Section) -> list[str]:
    out = ["| | " + " | ".join(label for _s, label in section.columns) + " |", "|---|" + "---|" * len(section.columns)]
    for name, score in section.rows:
        cells = [format_score(score) if score == s else "" for s, _label in section.columns]
        out.append(f"| {_md(name, True)} | " + " | ".join(cells) + " |")
    out.append(f"| **Average** | **{section.average}** |" + " |" * (len(section.columns) - 1))
    return out


def section_markdown(section: Section, heading_level: int = 2, footnotes: bool = True) -> str:
    h = "#" * heading_level
    lines = [f"{h} {_md(section.heading)}", ""]
    if section.quote:
        lines += [f"\u201c{_md(section.quote)}\u201d", ""]
        if section.quote_source:
            lines += [_md(section.quote_source), ""]
    lines += [f"{h}# Assessment", "", *_assessment_md(section), ""]
    for m in section.members:
        lines += [f"{h}# {_md(m.name)}", "", _md(m.score_line), ""]
        for p in m.paragraphs:
            lines += [f"{_md(p.text)}[^{p.footnote}]", ""]
        lines += [f"*{_md(m.conclusion)}*", ""]
    if footnotes:
        lines += footnotes_markdown(section.footnotes)
    return "\n".join(lines).rstrip("\n") + "\n"


def footnotes_markdown(notes: list[tuple[int, str]]) -> list[str]:
    return [f"[^{n}]: {_md(text)}" for n, text in notes] + ([""] if notes else [])


# --- the whole report ---------------------------------------------------------------------------


@dataclass
class Report:
    matrix: Matrix
    sections: list[Section]

    @property
    def footnotes(self) -> list[tuple[int, str]]:
        return [n for s in self.sections for n in s.footnotes]


def build_report(session: Session, index: CatalogueIndex) -> Report:
    """Summary tables for every commitment; a section for each complete commitment."""
    evidence = evidence_rows(session, index)
    matrix = load_matrix(session, index, evidence)
    sections, next_note = [], 1
    for c in matrix.commitments:
        if not c.complete:
            continue
        section = build_section(session, index, c.number, matrix=matrix, evidence=evidence, first_footnote=next_note)
        next_note += len(section.footnotes)
        sections.append(section)
    return Report(matrix, sections)


def summary_tables(matrix: Matrix) -> dict[str, list[list[str]]]:
    """The summary tables as rows of printed cells (header first)."""
    averages = matrix.averages("score")
    names = [name for _k, name in matrix.members]
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
    return "\n".join(lines).rstrip("\n") + "\n"


# --- DOCX -----------------------------------------------------------------------------------------


def _docx_table(doc, rows: list[list[str]], bold_last: bool = True):
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = value
            if r == 0 or (bold_last and r == len(rows) - 1):
                for run in cell.paragraphs[0].runs:
                    run.bold = True
    return table


def _assessment_rows(section: Section) -> list[list[str]]:
    rows = [["", *[label for _s, label in section.columns]]]
    for name, score in section.rows:
        rows.append([name, *[format_score(score) if score == s else "" for s, _l in section.columns]])
    rows.append(["Average", section.average, *[""] * (len(section.columns) - 1)])
    return rows


def _section_docx(doc, section: Section) -> None:
    doc.add_heading(section.heading, level=1)
    if section.quote:
        quote = doc.add_paragraph()
        quote.add_run(f"\u201c{section.quote}\u201d").italic = True
        if section.quote_source:
            doc.add_paragraph(section.quote_source)
    doc.add_heading("Assessment", level=2)
    _docx_table(doc, _assessment_rows(section))
    for m in section.members:
        doc.add_heading(m.name, level=2)
        doc.add_paragraph(m.score_line)
        for p in m.paragraphs:
            para = doc.add_paragraph(p.text)
            ref = para.add_run(str(p.footnote))
            ref.font.superscript = True
        doc.add_paragraph().add_run(m.conclusion).italic = True
    if section.footnotes:
        doc.add_heading("Notes", level=2)
        for n, text in section.footnotes:
            note = doc.add_paragraph()
            note.add_run(f"{n} ").font.superscript = True
            note.add_run(text).font.size = Pt(9)


def _save(doc) -> bytes:
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def section_docx(section: Section) -> bytes:
    doc = Document()
    _section_docx(doc, section)
    return _save(doc)


def report_docx(report: Report) -> bytes:
    m = report.matrix
    doc = Document()
    doc.add_heading(m.title, level=0)
    doc.add_paragraph(f"{report_date(m.period[0])} to {report_date(m.period[1])}")
    doc.add_heading("Summary", level=1)
    doc.add_paragraph(f"Overall compliance: {printed(m.averages('score').overall)}")
    for title, rows in summary_tables(m).items():
        doc.add_heading(title, level=2)
        _docx_table(doc, rows)
    for section in report.sections:
        _section_docx(doc, section)
    return _save(doc)


# --- one call per export, for the CLI and the web app -------------------------------------------


def commitment_report(session: Session, index: CatalogueIndex, number: int, fmt: str) -> str | bytes:
    section = build_section(session, index, number)
    return section_markdown(section) if fmt == "md" else section_docx(section)


def whole_report(session: Session, index: CatalogueIndex, fmt: str) -> str | bytes:
    report = build_report(session, index)
    return report_markdown(report) if fmt == "md" else report_docx(report)

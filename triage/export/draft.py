"""The report draft as a document model, laid out as the research group writes a chapter.

For each commitment: the title, the communiqué quote and the line under it, the assessment
table, then what the catalogue holds (background, commitment features, definitions and
concepts, general interpretive guidelines, scoring guidelines), the Compliance Director /
Lead Analyst line, and per member a "Member: score" heading, the opening sentence restating
the commitment, the evidence paragraphs in date order each with its footnote, the concluding
paragraph, "Thus, [the] Member receives a score of N." and "Analyst: name".

Names of people come from the catalogue (`staff` of a commitment), never from anywhere
else; a name the catalogue lacks is left out and said in the review list. Everything that
is only for the draft's readers (a suggested score not yet set by a lead, a final score
that differs from the suggestion, a lost footnote, an edited quote, a missing name) goes to
the review list, never into the prose. Footnotes are numbered continuously across the whole
draft from `first_footnote`. Markdown and DOCX (triage.export.report) render this model.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.load import load_catalogue
from triage.catalogue.rules import format_score
from triage.catalogue.schema import Catalogue, Commitment
from triage.errors import InputError
from triage.export.citation import Source, citation, dated_paragraph, leading_date, report_date
from triage.scoring.accepted import EvidenceRow, evidence_rows
from triage.scoring.aggregate import printed
from triage.scoring.matrix import Cell, Matrix, load_matrix
from triage.vocab import EvidenceKind

VERBS = {1: "fully complied", 0: "partially complied", -1: "not complied"}
RANK = {"none": 0, "weak": 1, "strong": 2}


@dataclass
class Paragraph:
    date: dt.date | None
    text: str
    footnote: int
    citation: str
    context: bool = False  # credits no dimension
    edited: bool = False  # an analyst edited the quote


@dataclass
class MemberSection:
    key: str
    name: str
    score: int | None
    final_set: bool
    heading: str  # "Canada: 0"
    opening: str
    paragraphs: list[Paragraph]
    conclusion: str
    thus: str  # "Thus, the United Kingdom receives a score of +1."
    analyst: str | None  # "Analyst: TianTian Dong"; None when the catalogue names nobody


@dataclass
class Section:
    number: int
    area: str
    title: str
    quote: str | None
    quote_line: str | None  # printed under the quote
    columns: list[tuple[int, str]]  # (score, label) left to right
    rows: list[tuple[str, int | None]]  # (member name, score)
    average: str  # '+0.38 (69%)'
    members: list[MemberSection]
    background: str | None = None
    features: str | None = None
    definitions: list[str] = field(default_factory=list)
    interpretive: list[str] = field(default_factory=list)
    scoring: list[str] = field(default_factory=list)
    staff_line: str | None = None  # "Compliance Director: … Lead Analyst: …"
    footnotes: list[tuple[int, str]] = field(default_factory=list)
    review: list[str] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.area}: {self.title}"


def the(name: str, kind: str | None = None, start: bool = False) -> str:
    """'the United Kingdom', 'the European Union', 'Canada': the article as the report prints it."""
    needs = kind in ("union", "organisation") or name.startswith(("United ", "European "))
    if not needs:
        return name
    return f"{'The' if start else 'the'} {name}"


def _join(words: list[str], last: str = "and") -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


def restated(commitment: Commitment | None, quote: str | None) -> str:
    """What follows "its commitment to": the catalogue's wording, else the quote after "we will"."""
    if commitment is not None and commitment.restated:
        return commitment.restated.strip().rstrip(".")
    found = re.search(r"\bwe (?:will|commit to|shall)\s+(?:also\s+|further\s+)?(.*)$", quote or "", flags=re.S | re.I)
    if not found:
        return ""
    text = re.sub(r"\s+", " ", found.group(1)).strip().rstrip(".")
    return re.sub(r"\bour\s+", "", text)


def _opening(subject: str, cell: Cell, commitment_text: str) -> str:
    if cell.score is None:
        return f"{subject} has not been assessed on this commitment." if cell.final_set else f"{subject} has no score on this commitment yet."
    what = f"its commitment to {commitment_text}" if commitment_text else "its commitment"
    return f"{subject} has {VERBS.get(cell.score, 'complied')} with {what}."


def _summary(subject: str, dims: list[tuple[str, str]], rows: list[EvidenceRow]) -> str:
    """What the evidence shows, dimension by dimension: the analyst's starting point."""
    if not dims:
        return ""
    best = {key: "none" for key, _ in dims}
    contradictory = False
    for e in rows:
        if e.kind == EvidenceKind.CONTEXT:
            continue
        if e.contradictory:
            contradictory = True
        elif e.dimension in best and RANK.get(e.strength, 0) > RANK[best[e.dimension]]:
            best[e.dimension] = e.strength
    names = dict(dims)
    groups = {lv: [names[k].lower() for k, v in best.items() if v == lv] for lv in ("strong", "weak", "none")}

    def words(keys: list[str]) -> str:
        return f"the {_join(keys)} dimension" + ("s" if len(keys) > 1 else "")

    parts = []
    if groups["strong"]:
        parts.append(f"strong action in {words(groups['strong'])}")
    if groups["weak"]:
        parts.append(f"weak action in {words(groups['weak'])}")
    if not parts:
        parts.append("no action in any dimension")
    sentence = f"{subject} has taken {_join(parts)}"
    if groups["none"] and len(groups["none"]) < len(dims):
        sentence += f" but has not acted in {words(groups['none'])}"
    if contradictory:
        sentence += ", and has taken action contradictory to the commitment"
    return sentence + "."


def _when(e: EvidenceRow) -> dt.date | None:
    """The action's day: the decision's, else the day the paragraph opens with, else the source's."""
    return e.action_date or leading_date(e.quote) or e.date


def _paragraphs(rows: list[EvidenceRow], first: int) -> list[Paragraph]:
    """One paragraph per action (several dimensions of one action are one paragraph), by date."""
    grouped: dict[tuple, EvidenceRow] = {}
    edited: set[tuple] = set()
    for e in rows:
        key = (e.item_id, e.quote.strip(), e.kind)
        if e.quote_edited:
            edited.add(key)
        held = grouped.get(key)
        if held is None or (_when(e) is not None and (_when(held) is None or _when(e) < _when(held))):  # type: ignore[operator]
            grouped[key] = e
    ordered = sorted(grouped.items(), key=lambda kv: (_when(kv[1]) is None, _when(kv[1]) or dt.date.min, kv[1].decided_at))
    out = []
    for n, (key, e) in enumerate(ordered):
        precision = e.source.precision if e.action_date is None and leading_date(e.quote) is None else "day"
        text = dated_paragraph(_when(e), e.quote or e.source.title, precision)
        out.append(Paragraph(_when(e), text, first + n, citation(e.source), e.kind == EvidenceKind.CONTEXT, key in edited))
    return out


def catalogue_file(index: CatalogueIndex) -> Catalogue | None:
    """The catalogue as loaded (its prose and staff are read from the file it was loaded from)."""
    path = Path(index.catalogue.path or "")
    if not index.catalogue.path or not path.is_file():
        return None
    try:
        return load_catalogue(path)
    except InputError:
        return None


def _guidelines(commitment: Commitment | None) -> tuple[list[str], list[str]]:
    if commitment is None or commitment.scoring is None:
        return [], []
    published = commitment.scoring.published
    interpretive = [p.text for k, p in published.items() if "interpretive" in k and p.text]
    if commitment.guidance is not None:
        g = commitment.guidance
        if g.strong:
            interpretive.append("Examples of strong action: " + "; ".join(g.strong) + ".")
        if g.weak:
            interpretive.append("Examples of weak action: " + "; ".join(g.weak) + ".")
    interpretive += [e.description for e in commitment.exclusions]
    scoring = [p.text for k, p in published.items() if "scoring" in k and p.text]
    return [re.sub(r"\s+", " ", t).strip() for t in interpretive], [re.sub(r"\s+", " ", t).strip() for t in scoring]


def build_section(
    session: Session,
    index: CatalogueIndex,
    number: int,
    *,
    matrix: Matrix | None = None,
    evidence: list[EvidenceRow] | None = None,
    first_footnote: int = 1,
    catalogue: Catalogue | None = None,
) -> Section:
    row = index.resolve(commitment=number).commitment
    assert row is not None
    if evidence is None:
        evidence = evidence_rows(session, index, number, context=True)
    evidence = [e for e in evidence if e.commitment == number]
    matrix = matrix or load_matrix(session, index, [e for e in evidence if e.kind != EvidenceKind.CONTEXT])
    info = matrix.commitment(number)
    assert info is not None
    catalogue = catalogue if catalogue is not None else catalogue_file(index)
    spec = catalogue.commitment(number) if catalogue is not None else None
    review: list[str] = []
    if catalogue is None:
        review.append(f"The catalogue file {index.catalogue.path!r} could not be read: features, guidelines and names are left out.")
    staff = spec.staff if spec is not None else None
    commitment_text = restated(spec, row.quote)
    kinds = {m.key: m.kind for m in index.members}
    members: list[MemberSection] = []
    footnotes: list[tuple[int, str]] = []
    next_note = first_footnote
    for key, name in matrix.members:
        cell = matrix.cell(number, key)
        mine = [e for e in evidence if e.member == key]
        paragraphs = _paragraphs(mine, next_note)
        next_note += len(paragraphs)
        footnotes.extend((p.footnote, p.citation) for p in paragraphs)
        subject, inner = the(name, kinds.get(key), start=True), the(name, kinds.get(key))
        opening = _opening(subject, cell, commitment_text)
        summary = _summary(subject, info.dimensions, mine)
        score_text = format_score(cell.score) if cell.score is not None else ("not assessed" if cell.final_set else "no score")
        thus = f"Thus, {inner} receives a score of {score_text}." if cell.score is not None else f"Thus, {inner} is not assessed on this commitment."
        names = (staff.analysts.get(key) if staff else None) or []
        members.append(
            MemberSection(
                key,
                name,
                cell.score,
                cell.final_set,
                f"{name}: {score_text}",
                opening,
                paragraphs,
                f"{opening} {summary}".strip(),
                thus,
                f"Analyst: {_join(names)}" if names else None,
            )
        )
        review += _member_review(name, cell, paragraphs, bool(names))
    director, lead = (staff.director, staff.lead) if staff else (None, None)
    staff_parts = [f"Compliance Director: {director}" if director else "", f"Lead Analyst: {lead}" if lead else ""]
    if not director:
        review.append(f"Commitment {number}: the catalogue names no Compliance Director (staff.director).")
    if not lead:
        review.append(f"Commitment {number}: the catalogue names no Lead Analyst (staff.lead).")
    source = Source.from_mapping(row.quote_source)
    interpretive, scoring = _guidelines(spec)
    definitions = [
        f"\u201c{term[:1].upper() + term[1:]}\u201d is understood to mean: {' '.join(text.split())}"
        for term, text in (spec.definitions.items() if spec else [])
    ]
    return Section(
        number=number,
        area=row.area,
        title=row.title,
        quote=row.quote,
        quote_line=(spec.quote_line if spec and spec.quote_line else (source.title if source else None)),
        columns=[(s, matrix.scale.get(s, format_score(s)).title()) for s in sorted(matrix.scale)],
        rows=[(m.name, m.score) for m in members],
        average=printed(matrix.averages("score", [number]).commitment(number)),
        members=members,
        background=" ".join(spec.background.split()) if spec and spec.background else None,
        features=" ".join(spec.features.split()) if spec and spec.features else None,
        definitions=definitions,
        interpretive=interpretive,
        scoring=scoring,
        staff_line=" ".join(p for p in staff_parts if p) or None,
        footnotes=footnotes,
        review=review,
    )


def _member_review(name: str, cell: Cell, paragraphs: list[Paragraph], named: bool) -> list[str]:
    notes = []
    if cell.score is not None and not cell.final_set:
        notes.append(f"{name}: the score {format_score(cell.score)} is the suggested one; a lead has not set the final score yet.")
    if cell.final_set and cell.differs:
        suggested = format_score(cell.suggested) if cell.suggested is not None else "no score"
        notes.append(
            f"{name}: the final score differs from the suggested {suggested}; justification: {(cell.justification or 'none recorded').rstrip('.')}."
        )
    if not paragraphs:
        notes.append(f"{name}: no accepted evidence.")
    for p in paragraphs:
        when = report_date(p.date) if p.date else "undated"
        if p.citation == "Citation missing.":
            notes.append(f"{name}, paragraph of {when} (footnote {p.footnote}): citation missing.")
        if p.edited:
            notes.append(f"{name}, paragraph of {when} (footnote {p.footnote}): the quote was edited by an analyst.")
    if not named:
        notes.append(f"{name}: the catalogue names no analyst for this section (staff.analysts).")
    return notes


def member_codes(index: CatalogueIndex) -> dict[str, str]:
    """Short column labels as the reports' tables print them: CAN, FRA, UK, US, EU."""
    codes = {}
    for m in index.members:
        upper = [a for a in m.aliases if a.isascii() and a.isalpha() and a.isupper()]
        wanted = 2 if len(m.name.split()) > 1 else 3
        codes[m.key] = next((a for a in upper if len(a) == wanted), next(iter(upper), m.name))
    return codes


@dataclass
class Report:
    matrix: Matrix
    sections: list[Section]
    codes: dict[str, str] = field(default_factory=dict)

    @property
    def footnotes(self) -> list[tuple[int, str]]:
        return [n for s in self.sections for n in s.footnotes]

    @property
    def review(self) -> list[str]:
        return [r for s in self.sections for r in s.review]


def build_report(session: Session, index: CatalogueIndex, first_footnote: int = 1) -> Report:
    """Summary tables for every commitment; a section for each complete commitment."""
    evidence = evidence_rows(session, index, context=True)
    matrix = load_matrix(session, index, [e for e in evidence if e.kind != EvidenceKind.CONTEXT])
    catalogue = catalogue_file(index)
    sections, next_note = [], first_footnote
    for c in matrix.commitments:
        if not c.complete:
            continue
        section = build_section(session, index, c.number, matrix=matrix, evidence=evidence, first_footnote=next_note, catalogue=catalogue)
        next_note += len(section.footnotes)
        sections.append(section)
    return Report(matrix, sections, member_codes(index))

"""Must show (issue 13): a chapter's evidence paragraphs imported as accepted evidence give the
draft in the group's layout; the same paragraphs with feed items already stored at the same
URLs give identical footnotes; every kind of paragraph is taken; a refused file lists every
problem in one pass. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import re
from fractions import Fraction

import pytest
from sqlmodel import select

from tests.conftest import gold_file
from tests.scores.chapter import HARD, chapter_lines
from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import EvidenceMark, Rule, evaluate, format_score, state_from_evidence
from triage.errors import InputError
from triage.imports.evidence import import_evidence
from triage.items import ItemDraft, store_item
from triage.models import EvidenceCitation, Score
from triage.scoring.aggregate import printed
from triage.vocab import Strength

MEMBERS = ["Canada", "France", "Germany", "Italy", "Japan", "United Kingdom", "United States", "European Union"]
THE = {"United Kingdom", "United States", "European Union"}
ANALYSTS = {
    "Canada": "TianTian Dong",
    "France": "TianTian Dong",
    "Germany": "Ryan Do",
    "Italy": "Samantha de Verteuil",
    "Japan": "Anali Arambula Galindo",
    "United Kingdom": "Anali Arambula Galindo",
    "United States": "Ryan Do",
    "European Union": "Samantha de Verteuil",
}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]


def _write(tmp_path, lines, name="chapter.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def _day(text: str) -> str:
    parts = [int(x) for x in text.split("-")]
    if len(parts) == 2:
        return f"{MONTHS[parts[1] - 1]} {parts[0]}"
    return f"{parts[2]} {MONTHS[parts[1] - 1]} {parts[0]}"


def expected_scores(url, lines) -> dict[str, int]:
    """The catalogue's rule applied to the lines, read by the test itself."""
    with db.session_scope(url) as s:
        index = CatalogueIndex.load(s)
        c = index.commitment(19)
        dims = [d.key for d in index.dimensions_of(c)]
        rule, scale = Rule.model_validate(c.rule), index.scale
    out = {}
    for member in MEMBERS:
        marks = [
            EvidenceMark(d, Strength(line["strength"]), False) for line in lines if line["member"] == member for d in line.get("dimensions") or []
        ]
        out[member] = evaluate(rule, state_from_evidence(dims, marks), scale).score
    return out


def expected_notes(lines) -> set[str]:
    notes = set()
    for line in lines:
        if not (line.get("source_title") or line.get("url") or line.get("source_publisher")):
            notes.add("Citation missing.")
            continue
        date = _day(line["source_date"]) if line.get("source_date") else "n.d."
        text = (
            f"{line['source_title']}, {line['source_publisher']} ({line['source_city']}) {date}. Access Date: {_day(line['accessed'])}. {line['url']}"
        )
        notes.add(text + (" Translated by the analyst." if line.get("translated") else ""))
    return notes


def _footnotes(md: str) -> list[tuple[int, str]]:
    return [(int(n), t) for n, t in re.findall(r"^\[\^(\d+)\]: (.*)$", md, flags=re.M)]


def _import(url, path):
    with db.session_scope(url) as s:
        return import_evidence(s, CatalogueIndex.load(s), path=path, username="ana")


def test_chapter_draft_in_the_groups_layout(people, tmp_path, cli):
    lines = chapter_lines()
    _import(people, _write(tmp_path, lines))
    result = cli("export", "report", "--commitment", "19", "--format", "md", "--first-footnote", "3028")
    assert result.code == 0, result.err
    md = result.out
    scores = expected_scores(people, lines)
    headings = re.findall(r"^### (.+): ([+-]?\d|not assessed|no score)$", md, flags=re.M)
    assert headings == [(m, format_score(scores[m])) for m in MEMBERS]
    for member in MEMBERS:
        subject = f"the {member}" if member in THE else member
        assert f"\n\nThus, {subject} receives a score of {format_score(scores[member])}.\n\nAnalyst: {ANALYSTS[member]}\n" in md
        opening = f"{subject[:1].upper() + subject[1:]} has partially complied with its commitment to strengthen actions to prevent, counter"
        assert scores[member] != 0 or opening in md
    assert "Compliance Director: Michal Gromek Lead Analyst: Anali Arambula Galindo" in md
    assert "\nG7 Apulia Leaders' Communiqué\n" in md
    # Each member's paragraphs in date order; one continuous footnote numbering from 3028.
    for section in re.split(r"^### ", md, flags=re.M)[1:]:
        dates = [dt.datetime.strptime(d, "%d %B %Y").date() for d in re.findall(r"^On (\d{1,2} [A-Z][a-z]+ \d{4}),", section, flags=re.M)]
        assert dates == sorted(dates)
    notes = _footnotes(md)
    refs = [int(n) for n in re.findall(r"\[\^(\d+)\](?!:)", md)]
    assert [n for n, _ in notes] == refs == list(range(3028, 3028 + len(refs)))
    # Every footnote with the imported city and access date (feed or not, the line's own).
    assert {t for _, t in notes} == expected_notes(lines)
    assert "Deutsch-Polnischer Aktionsplan, Bundesregierung (Berlin) July 2024. Access Date: 11 July 2024." in md
    # The average the imported evidence gives.
    values = [scores[m] for m in MEMBERS]
    assert f"| **Average** | **{printed(Fraction(sum(values), len(values)))}** |" in md
    # No tool notes in the prose; they are in the review list.
    body, _, review = md.partition("## Review list")
    assert "Draft" not in body and "Triage suggested" not in body
    assert "Germany, paragraph of 20 August 2024" in review and "citation missing" in review


def test_every_kind_of_paragraph(people, tmp_path, session_for):
    lines = chapter_lines()
    result = _import(people, _write(tmp_path, lines))
    assert result.context == 2 + sum(1 for line in lines[: -len(HARD)] if not line["dimensions"])
    assert result.citations_missing == 2  # the dev file's own lost footnote (c19-US-20) and the hard line
    s = session_for(people)
    index = CatalogueIndex.load(s)
    from triage.export.draft import build_section

    section = build_section(s, index, 19)
    canada = next(m for m in section.members if m.name == "Canada")
    statement = [p for p in canada.paragraphs if "241126-statement" in p.citation]
    assert len(statement) == 2 and statement[0].text != statement[1].text  # two actions, one source
    italy = next(m for m in section.members if m.name == "Italy")
    drug = next(p for p in italy.paragraphs if "drug-trafficking ring" in p.text)
    assert drug.context and drug.citation.endswith("Translated by the analyst.")
    uk = next(m for m in section.members if m.name == "United Kingdom")
    assert any("consulted civil society" in p.text for p in uk.paragraphs)
    # Context evidence counts for no score: the scores are the rule on the lines with dimensions.
    scores = expected_scores(people, [line for line in lines if line.get("dimensions")])
    rows = {index.member_by_id(r.member_id).name: r.suggested for r in s.exec(select(Score).where(Score.commitment_id == index.commitment(19).id))}
    assert rows == scores
    # Re-importing adds nothing.
    again = _import(people, _write(tmp_path, lines))
    assert again.accepted == 0 and again.context == 0


def test_all_eight_conclusions_covered_give_the_published_average(people, tmp_path, cli):
    lines = chapter_lines()
    have = {(line["member"], d, line.get("strength")) for line in lines for d in line.get("dimensions") or []}
    for raw in gold_file("c19_member_dimensions.jsonl").read_text(encoding="utf-8").splitlines():
        g = json.loads(raw)
        if (g["member"], g["dimension"], g["strength"]) not in have:
            lines.append(
                {
                    "member": g["member"],
                    "commitment": 19,
                    "dimensions": [g["dimension"]],
                    "strength": g["strength"],
                    "action_date": "2024-12-01",
                    "text": f"The analysts concluded {g['strength']} action in {g['dimension']} for {g['member']}.",
                    "source_title": f"Conclusion for {g['member']}, {g['dimension']}",
                    "source_publisher": "G7 Research Group",
                    "source_city": "Toronto",
                    "source_date": "2024-12-01",
                    "accessed": "2024-12-20",
                }
            )
    _import(people, _write(tmp_path, lines))
    md = cli("export", "report", "--commitment", "19", "--format", "md").out
    assert "| **Average** | **+0.38 (69%)** |" in md
    assert re.findall(r"^### (.+: [+-]?\d)$", md, flags=re.M) == [f"{m}: {'+1' if m in THE else '0'}" for m in MEMBERS]


@pytest.mark.parametrize("feeds_first", [True, False])
def test_feed_items_at_the_same_urls_give_identical_footnotes(people, tmp_path, cli, feeds_first):
    lines = chapter_lines()
    path = _write(tmp_path, lines)

    def feeds():
        with db.session_scope(people) as s:
            index = CatalogueIndex.load(s)
            for n, line in enumerate(lines):
                if line.get("url"):
                    draft = ItemDraft(
                        title=f"Feed headline {n}",
                        text=f"What the feed said, item {n}.",
                        url=line["url"],
                        publisher="Polizia di Stato - Notizie",
                        published_at=dt.datetime(2024, 12, 30, tzinfo=dt.UTC),
                    )
                    store_item(s, draft, index.period)

    if feeds_first:
        feeds()
    _import(people, path)
    if not feeds_first:
        feeds()
    md = cli("export", "report", "--commitment", "19", "--format", "md").out
    assert {t for _, t in _footnotes(md)} == expected_notes(lines)
    assert "Polizia di Stato - Notizie" not in md


def test_a_refused_file_lists_every_problem_in_one_pass(people, tmp_path):
    good = chapter_lines()[0]
    bad = [
        good,
        {**good, "member": "Narnia"},
        {**good, "source_date": "2024-13"},
        {**good, "dimensions": ["prevent"], "strength": None, "text": "No strength given."},
        {**good, "dimensions": ["sideways"], "text": "An unknown dimension."},
        good,
    ]
    path = _write(tmp_path, bad)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
        handle.write(json.dumps({**good, "text": "After the broken line.", "member": "Atlantis"}) + "\n")
    with pytest.raises(InputError) as refused:
        _import(people, path)
    lines = sorted({p.line for p in refused.value.problems})
    assert lines == [2, 3, 4, 5, 6, 7, 8]
    text = str(refused.value)
    assert "unknown member 'Narnia'" in text and "2024-13" in text and "strength" in text and "sideways" in text
    assert "duplicate of line 1" in text and "malformed JSON" in text and "Atlantis" in text
    with db.session_scope(people) as s:
        assert s.exec(select(EvidenceCitation)).first() is None

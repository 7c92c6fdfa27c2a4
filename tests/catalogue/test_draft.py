"""`triage catalogue draft`: entries read from methodology texts, their gaps reported with lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CATALOGUE, SHARED, gold_file
from triage.catalogue import load_catalogue
from triage.catalogue.draft import draft_commitment, merge, render
from triage.catalogue.review import review_commitment
from triage.errors import InputError
from triage.scoring.aggregate import printed
from triage.scoring.evidence import read_evidence_file
from triage.scoring.rule import score_commitment

DATA = Path(__file__).parent / "data"


def c19_text() -> Path:
    for candidate in (SHARED / "reference", Path("/work/shared/reference")):
        path = candidate / "2024-apulia-interim-c19-methodology.txt"
        if path.exists():
            return path
    pytest.skip("the c19 methodology text is not here")


def drafted(tmp_path: Path, text: Path, number: int | None = None):
    base = load_catalogue(CATALOGUE)
    d = draft_commitment(text, number, base)
    out = tmp_path / "drafted.yaml"
    out.write_text(render(merge(base, d.commitment), d), encoding="utf-8")
    return d, load_catalogue(out)  # the file written validates


def notes(d) -> list[str]:
    return [f"{p.line}: {p.message}" for p in d.for_lead]


def test_c19_matches_the_hand_written_entry(tmp_path):
    d, cat = drafted(tmp_path, c19_text(), 19)
    c = cat.commitment(19)
    hand = load_catalogue(CATALOGUE).commitment(19)
    assert c.complete
    assert c.dimension_keys == ["prevent", "counter", "dismantle", "disrupt"] == hand.dimension_keys
    assert [d.name for d in c.dimensions] == ["Prevent", "Counter", "Dismantle networks", "Disrupt business models"]
    assert [e.belongs_to for e in c.exclusions] == [18]
    assert c.quote == hand.quote.replace("\n", " ")
    assert c.quote_source.title == "Apulia G7 Leaders' Communiqué" and str(c.quote_source.date) == "2024-06-14"
    assert "Trafficking in persons" in c.definitions
    assert "Statements of support" in c.guidance.weak
    # The same findings as the hand-written catalogue: the texts disagree on weak action in two
    # dimensions, and both leave contradictory-with-other-action scored twice; the rule used is exact.
    mine, theirs = review_commitment(c), review_commitment(hand)
    assert [(x.case, x.combinations, x.scores) for x in mine.disagreements] == [(x.case, x.combinations, x.scores) for x in theirs.disagreements]
    assert mine.rule.coverage.exact
    for a, b in zip(mine.published, theirs.published, strict=True):
        assert a.name == b.name
        assert a.coverage.outcomes == b.coverage.outcomes
    assert any(":" in n and "Scoring Guidelines" in n and "weak action in 2 of 4" in n for n in notes(d))


def test_c19_draft_scores_the_gold_as_the_report(tmp_path):
    _, cat = drafted(tmp_path, c19_text(), 19)
    result = score_commitment(cat, 19, read_evidence_file(gold_file("c19_member_dimensions.jsonl"), cat))
    assert printed(result.average) == "+0.38 (69%)"
    assert {m.member: m.score for m in result.members}["Japan"] == 0


def test_cli_draft_then_validate(tmp_path, cli):
    out = tmp_path / "c.yaml"
    r = cli("catalogue", "draft", c19_text(), "--commitment", "19", "--out", out, "--catalogue", CATALOGUE)
    assert r.code == 0, r.out + r.err
    assert "prevent, counter, dismantle, disrupt" in r.out
    assert "For the lead" in r.out and "LEAD: line" in out.read_text()
    v = cli("catalogue", "validate", out)
    assert v.code == 0 and "valid" in v.out
    assert cli("catalogue", "draft", c19_text(), "-n", "19", "--out", out, "-c", CATALOGUE, "--strict").code == 1
    assert cli("catalogue", "draft", tmp_path / "missing.txt", "--out", out, "-c", CATALOGUE).code == 2


def test_three_dimensions_with_another_table(tmp_path):
    d, cat = drafted(tmp_path, DATA / "three-dimensions.txt")
    c = cat.commitment(7)
    assert c.dimension_keys == ["coal", "renewables", "grids"]
    assert "A law setting a capacity target" in c.dimension("renewables").strong  # an example naming its dimension
    assert c.definitions["Unabated coal"] == "Coal burnt without capture of its emissions."
    r = review_commitment(c)
    assert r.rule.coverage.exact
    assert not [x for x in r.disagreements if "no contradictory" in x.case]  # the two texts agree
    levels = {lv.score: [cond.model_dump(exclude_none=True, mode="json") for cond in lv.when] for lv in c.scoring.rule.levels}
    assert {"strong": "1..2", "contradictory": False} in levels[0]
    assert {"weak": "all", "contradictory": False} in levels[0]
    assert {"strong": "0", "weak": "1..2", "contradictory": False} in levels[-1]
    # only the missing quote source is left for the lead
    assert notes(d) == ["7: no footnote cites the quote's source \"G7 Example Leaders' Communiqué\": write quote_source"]


def test_no_dimensions_scored_on_strong_action(tmp_path):
    d, cat = drafted(tmp_path, DATA / "strong-action-only.txt")
    c = cat.commitment(12)
    assert c.dimension_keys == ["action"]
    assert c.quote_source.url is not None and str(c.quote_source.url) == "https://example.org/communique"
    r = review_commitment(c)
    assert r.rule.coverage.exact
    assert any("names no dimensions" in n for n in notes(d))


def test_table_with_a_gap(tmp_path):
    d, cat = drafted(tmp_path, DATA / "table-gap.txt")
    r = review_commitment(cat.commitment(16))
    gaps = {(g.n_strong, g.n_weak) for g in r.rule.coverage.uncovered}
    assert gaps == {(1, 0), (1, 1), (1, 2), (1, 3)}
    found = notes(d)
    assert any(n.startswith("30: Scoring Guidelines (the table): no score for strong action in 1 of 4") for n in found)
    assert any(n.startswith("17: General Interpretive Guidelines: no score for strong action in 1 of 4") for n in found)
    assert any("the proposed rule gives no score" in n for n in found)


def test_missing_section_is_drafted_as_far_as_it_goes(tmp_path):
    text = (DATA / "three-dimensions.txt").read_text()
    cut = tmp_path / "no-table.txt"
    cut.write_text(text[: text.index("Scoring Guidelines")], encoding="utf-8")
    d, cat = drafted(tmp_path, cut)
    assert cat.commitment(7).complete  # drafted from the interpretive guidelines alone
    assert any("section 'Scoring Guidelines' is missing (expected after line" in n for n in notes(d))


def test_inconsistent_numbering_named_with_its_line(tmp_path):
    text = (DATA / "three-dimensions.txt").read_text().replace("3. Grids:", "4. Grids:").replace("having three components", "having four components")
    bad = tmp_path / "numbering.txt"
    bad.write_text(text, encoding="utf-8")
    d, _ = drafted(tmp_path, bad)
    lines = text.splitlines()
    grid_line = next(i for i, x in enumerate(lines, 1) if x.startswith("4. Grids"))
    features_line = next(i for i, x in enumerate(lines, 1) if "having four components" in x)
    found = notes(d)
    assert f"{grid_line}: dimension numbered 4 where 3 was expected: check the numbering" in found
    assert f"{features_line}: the Commitment Features say four components but 3 dimensions were found" in found


def test_unreadable_level_is_reported_not_guessed(tmp_path):
    text = (
        (DATA / "three-dimensions.txt")
        .read_text()
        .replace(
            "0\tThe G7 member has taken strong action in one or two of the three dimensions, or weak action in all three dimensions.",
            "0\tThe G7 member has made substantial progress in most dimensions.",
        )
    )
    bad = tmp_path / "vague.txt"
    bad.write_text(text, encoding="utf-8")
    d, _ = drafted(tmp_path, bad)
    line = next(i for i, x in enumerate(text.splitlines(), 1) if "substantial progress" in x)
    assert any(n.startswith(f"{line}: scoring table, score 0: could not read") for n in notes(d))
    assert any(n.startswith(f"{line}: scoring table, score 0: no condition could be read") for n in notes(d))


def test_no_chapter_at_all(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("Nothing here\n", encoding="utf-8")
    with pytest.raises(InputError, match="chapters found: none"):
        draft_commitment(empty)

"""The scoring rule language: parsing counts, evaluating states, finding gaps and overlaps."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.conftest import CATALOGUE
from triage.catalogue import load_catalogue
from triage.catalogue.review import review_commitment
from triage.catalogue.rules import (
    EvidenceMark,
    Rule,
    State,
    coverage,
    evaluate,
    parse_count,
    state_from_evidence,
)

DIMS = ("prevent", "counter", "dismantle", "disrupt")
LABELS = {-1: "No compliance", 0: "Partial compliance", 1: "Full compliance"}


def c19_rule() -> Rule:
    return load_catalogue(CATALOGUE).commitment(19).scoring.rule


def state(*levels: str, contradictory: bool = False) -> State:
    return State(DIMS, tuple(levels), contradictory)


@pytest.mark.parametrize(
    "text, n, inside, outside",
    [
        ("all", 4, [4], [3, 0]),
        ("1..3", 4, [1, 2, 3], [0, 4]),
        (">=2", 4, [2, 3, 4], [0, 1]),
        ("<=1", 4, [0, 1], [2]),
        (0, 4, [0], [1]),
        ("2..all", 5, [2, 5], [1]),
    ],
)
def test_counts(text, n, inside, outside):
    spec = parse_count(text)
    assert all(spec.holds(v, n) for v in inside)
    assert not any(spec.holds(v, n) for v in outside)


@pytest.mark.parametrize("bad", ["lots", "3..1", "-1", True, 1.5, ">2"])
def test_bad_counts_are_refused(bad):
    with pytest.raises(ValueError):
        parse_count(bad)


@pytest.mark.parametrize(
    "levels, contradictory, expected",
    [
        (("strong",) * 4, False, 1),
        (("strong", "strong", "strong", "weak"), False, 0),
        (("strong", "none", "none", "none"), False, 0),
        (("weak", "weak", "none", "none"), False, 0),  # the case the scoring table misses
        (("weak", "weak", "weak", "none"), False, 0),
        (("weak", "none", "none", "none"), False, -1),
        (("none",) * 4, False, -1),
        (("strong",) * 4, True, -1),
    ],
)
def test_c19_rule_scores(levels, contradictory, expected):
    verdict = evaluate(c19_rule(), state(*levels, contradictory=contradictory), LABELS)
    assert verdict.score == expected


def test_strength_is_the_best_in_each_dimension():
    marks = [EvidenceMark("counter", "weak"), EvidenceMark("counter", "strong"), EvidenceMark("prevent", "weak")]
    s = state_from_evidence(DIMS, marks)
    assert s.levels == ("weak", "strong", "none", "none")
    assert not s.contradictory
    s2 = state_from_evidence(DIMS, [*marks, EvidenceMark("disrupt", "strong", contradictory=True)])
    # contradictory action flags the member; it is not progress in its dimension
    assert s2.contradictory and s2.of("disrupt") == "none"


def test_explanation_in_words():
    verdict = evaluate(c19_rule(), state("strong", "strong", "none", "none"), LABELS)
    assert verdict.explanation == (
        "Strong in prevent and counter; nothing in dismantle or disrupt: strong action in 1 to 3 of the 4 dimensions, so partial compliance (0)."
    )


def test_shipped_rule_covers_every_case_exactly_once():
    cov = coverage(c19_rule(), DIMS)
    assert cov.total == 3**4 * 2
    assert cov.exact


def test_scoring_table_gap_is_found():
    c = load_catalogue(CATALOGUE).commitment(19)
    table = c.scoring.published["scoring_guidelines"].rule
    cov = coverage(table, DIMS)
    assert [(g.n_strong, g.n_weak, g.contradictory, g.combinations) for g in cov.uncovered] == [(0, 2, False, 6)]
    guidelines = coverage(c.scoring.published["interpretive_guidelines"].rule, DIMS)
    assert guidelines.uncovered == []
    # both texts give two scores when contradictory action comes with other action
    assert all(g.contradictory for g in guidelines.conflicting)
    assert any(set(g.outcome) == {1, -1} for g in guidelines.conflicting)


def test_review_reports_the_disagreement_and_its_resolution():
    r = review_commitment(load_catalogue(CATALOGUE).commitment(19))
    plain = [d for d in r.disagreements if "no contradictory" in d.case]
    assert len(plain) == 1
    d = plain[0]
    assert d.case == "no strong action, weak action in 2 of 4, no contradictory action"
    assert d.scores == {"interpretive_guidelines": "0", "scoring_guidelines": "no score", "rule used": "0"}
    assert "Japan" in r.resolution


def test_rule_naming_dimensions_is_checked_state_by_state():
    rule = Rule.model_validate(
        {
            "levels": [
                {"score": 1, "when": [{"strong_in": ["prevent", "counter"]}]},
                {"score": 0, "when": [{"acted_in": ["prevent"]}]},
            ]
        }
    )
    cov = coverage(rule, DIMS)
    assert cov.total == 162
    # prevent strong + counter strong meets both conditions with different scores
    assert cov.conflicting
    assert cov.uncovered  # nothing in prevent: no score


def test_unknown_predicate_is_refused():
    with pytest.raises(ValidationError):
        Rule.model_validate({"levels": [{"score": 1, "when": [{"strongest": 4}]}]})

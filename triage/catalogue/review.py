"""What `triage catalogue validate` reports beyond errors: how each rule covers the cases.

For every complete commitment it enumerates every combination of dimension
strengths (with and without contradictory action) and reports the combinations a
rule leaves without a score, scores twice, or that the published texts and the
rule used disagree on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from triage.catalogue.rules import CaseGroup, Coverage, Rule, coverage, enumerate_states, format_score, matches
from triage.catalogue.schema import Catalogue, Commitment


@dataclass
class RuleCheck:
    name: str
    source: str
    coverage: Coverage


@dataclass
class Disagreement:
    case: str
    combinations: int
    scores: dict[str, str]  # rule name -> score shown ("0", "+1", "none", "0 and -1")


@dataclass
class CommitmentReview:
    commitment: Commitment
    rule: RuleCheck | None = None
    published: list[RuleCheck] = field(default_factory=list)
    disagreements: list[Disagreement] = field(default_factory=list)

    @property
    def resolution(self) -> str | None:
        return self.commitment.scoring.resolution if self.commitment.scoring else None


def _shown(outcome: tuple[int, ...]) -> str:
    if not outcome:
        return "no score"
    distinct = sorted(set(outcome), reverse=True)
    return " and ".join(format_score(s) for s in distinct)


def compare(rules: dict[str, Rule], dims: list[str]) -> list[Disagreement]:
    """Cases on which the given rules do not give the same score."""
    named = any(r.uses_named_dimensions() for r in rules.values())
    found: dict[tuple, Disagreement] = {}
    for state, ways in enumerate_states(tuple(dims), named):
        shown = {name: _shown(tuple(sorted(r.levels[li].score for li, _ in matches(r, state)))) for name, r in rules.items()}
        if len(set(shown.values())) <= 1:
            continue
        words = CaseGroup(state.n_strong, state.n_weak, len(dims), state.contradictory, (), ways, state).words()
        key = (words, tuple(shown.items()))
        if key in found:
            found[key].combinations += ways
        else:
            found[key] = Disagreement(words, ways, shown)
    return list(found.values())


def review_commitment(c: Commitment) -> CommitmentReview:
    out = CommitmentReview(c)
    if not c.complete or c.scoring is None:
        return out
    dims = c.dimension_keys
    out.rule = RuleCheck("rule used", "this catalogue", coverage(c.scoring.rule, dims))
    for name, pub in c.scoring.published.items():
        out.published.append(RuleCheck(name, pub.source, coverage(pub.rule, dims)))
    if c.scoring.published:
        rules = {name: pub.rule for name, pub in c.scoring.published.items()}
        rules["rule used"] = c.scoring.rule
        out.disagreements = compare(rules, dims)
    return out


def review(cat: Catalogue) -> list[CommitmentReview]:
    return [review_commitment(c) for c in sorted(cat.commitments, key=lambda c: c.number)]


def as_json(reviews: list[CommitmentReview]) -> list[dict]:
    def cov(check: RuleCheck) -> dict:
        cv = check.coverage

        def groups(gs):
            return [{"case": g.words(), "combinations": g.combinations, "scores": [format_score(s) for s in g.outcome]} for g in gs]

        return {
            "name": check.name,
            "source": check.source,
            "combinations": cv.total,
            "exact": cv.exact,
            "uncovered": groups(cv.uncovered),
            "conflicting": groups(cv.conflicting),
            "redundant": groups(cv.redundant),
        }

    result = []
    for r in reviews:
        c = r.commitment
        result.append(
            {
                "commitment": c.number,
                "title": c.title,
                "complete": c.complete,
                "missing": c.missing,
                "rule": cov(r.rule) if r.rule else None,
                "published": [cov(p) for p in r.published],
                "disagreements": [{"case": d.case, "combinations": d.combinations, "scores": d.scores} for d in r.disagreements],
                "resolution": r.resolution,
            }
        )
    return result

"""Suggested scores: a commitment's rule applied to each member's accepted evidence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import Verdict, evaluate, format_score, state_from_evidence
from triage.catalogue.schema import Catalogue, Commitment
from triage.errors import InputError
from triage.scoring.aggregate import average, format_average, percent
from triage.scoring.evidence import Evidence


@dataclass
class MemberScore:
    member: str  # display name
    key: str
    verdict: Verdict

    @property
    def score(self) -> int | None:
        return self.verdict.score


@dataclass
class CommitmentScores:
    commitment: Commitment
    members: list[MemberScore]

    @property
    def average(self) -> Fraction | None:
        return average(m.score for m in self.members)

    def as_json(self) -> dict:
        avg = self.average
        return {
            "commitment": self.commitment.number,
            "title": self.commitment.title,
            "members": {
                m.member: {
                    "score": m.score,
                    "score_printed": format_score(m.score),
                    "explanation": m.verdict.explanation,
                    "dimensions": dict(zip(m.verdict.state.dims, m.verdict.state.levels)),
                    "contradictory": m.verdict.state.contradictory,
                }
                for m in self.members
            },
            "average": float(avg) if avg is not None else None,
            "average_printed": format_average(avg),
            "percent": percent(avg),
        }


def score_member(catalogue: Catalogue, commitment: Commitment, evidence: Iterable[Evidence]) -> Verdict:
    if not commitment.complete or commitment.scoring is None:
        missing = ", ".join(commitment.missing)
        raise InputError(f"commitment {commitment.number} is incomplete in the catalogue (missing: {missing}); it cannot be scored")
    state = state_from_evidence(commitment.dimension_keys, (e.mark for e in evidence))
    return evaluate(commitment.scoring.rule, state, catalogue.scale)


def score_commitment(catalogue: Catalogue, number: int, evidence: Iterable[Evidence]) -> CommitmentScores:
    """Every member of the catalogue is scored; a member with no evidence took no action."""
    CatalogueIndex.from_catalogue(catalogue).resolve(commitment=number)
    commitment = catalogue.commitment(number)
    assert commitment is not None
    relevant = [e for e in evidence if e.commitment == number]
    members = [MemberScore(m.name, m.key, score_member(catalogue, commitment, [e for e in relevant if e.member == m.key])) for m in catalogue.members]
    return CommitmentScores(commitment, members)

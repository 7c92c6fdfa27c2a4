"""Suggested scores kept in step with accepted evidence, one (member, commitment) at a time.

This lives in the review layer because whoever writes evidence (a decision, an undo, an
import) must refresh the pair it touched in the same transaction; a suggested score is a
projection of evidence through the catalogue's rule, which sits below review. Final scores,
the matrix and averages are the scoring layer's.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import EvidenceMark, Rule, evaluate, state_from_evidence
from triage.models import Score, utcnow
from triage.review.evidence import accepted_marks
from triage.vocab import Strength


def score_row(session: Session, *, commitment_id: int, member_id: int) -> Score:
    row = session.exec(select(Score).where(Score.commitment_id == commitment_id, Score.member_id == member_id)).first()
    if row is not None:
        return row
    row = Score(commitment_id=commitment_id, member_id=member_id)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another worker created it first
        row = session.exec(select(Score).where(Score.commitment_id == commitment_id, Score.member_id == member_id)).one()
    return row


def suggest(session: Session, index: CatalogueIndex, *, commitment_id: int, member_id: int) -> tuple[int | None, str]:
    """The rule applied to the pair's accepted evidence: (score, explanation)."""
    commitment = index.commitment_by_id(commitment_id)
    if commitment is None or not commitment.complete or not commitment.rule:
        return None, "The commitment is incomplete in the catalogue, so no score is suggested."
    dims = {d.id: d.key for d in index.dimensions_of(commitment)}
    marks = [
        EvidenceMark(dims[dimension_id], Strength(strength), contradictory)
        for dimension_id, strength, contradictory in accepted_marks(session, commitment_id, member_id)
        if dimension_id in dims
    ]
    verdict = evaluate(Rule.model_validate(commitment.rule), state_from_evidence(list(dims.values()), marks), index.scale)
    return verdict.score, verdict.explanation


def refresh_suggested(session: Session, index: CatalogueIndex, *, commitment_id: int, member_id: int) -> Score:
    score, explanation = suggest(session, index, commitment_id=commitment_id, member_id=member_id)
    row = score_row(session, commitment_id=commitment_id, member_id=member_id)
    row.suggested, row.explanation, row.suggested_at = score, explanation, utcnow()
    session.add(row)
    return row


def refresh_all(session: Session, index: CatalogueIndex) -> int:
    """Recompute every pair (after an import or a catalogue reload, when a rule may have changed).

    Complete commitments get a row per member; a commitment that became incomplete keeps
    its rows (final scores live there) but loses its suggestions.
    """
    n = 0
    for commitment in index.commitments:
        assert commitment.id is not None  # rows of a loaded catalogue
        if commitment.complete:
            for member in index.members:
                assert member.id is not None
                refresh_suggested(session, index, commitment_id=commitment.id, member_id=member.id)
                n += 1
            continue
        stale = session.exec(select(Score).where(Score.commitment_id == commitment.id, col(Score.suggested).is_not(None)))
        for row in stale:
            explanation = suggest(session, index, commitment_id=commitment.id, member_id=row.member_id)[1]
            row.suggested, row.explanation, row.suggested_at = None, explanation, utcnow()
            session.add(row)
            n += 1
    session.flush()
    return n

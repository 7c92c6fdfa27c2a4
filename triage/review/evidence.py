"""Evidence: what accepted decisions establish, read straight from the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from triage.models import Decision, Item, Suggestion
from triage.review.state import STATE_ACTIONS


@dataclass
class Evidence:
    decision: Decision  # effective member/commitment/dimension/strength/date/quote
    suggestion: Suggestion
    item: Item


def latest_state_ids(commitment_id: int | None = None, member_id: int | None = None):
    """Subquery: the id of the latest state-changing decision of each suggestion.

    Given a commitment (and member), only suggestions with some decision on that pair are
    grouped: the latest decision of an accepted piece of evidence for the pair is itself
    on the pair, so nothing is missed, and a refresh after one decision stays cheap
    however long the audit trail grows.
    """
    query = select(func.max(Decision.id).label("id")).where(Decision.action.in_(STATE_ACTIONS))
    if commitment_id is not None:
        touched = select(Decision.suggestion_id).where(Decision.commitment_id == commitment_id)
        if member_id is not None:
            touched = touched.where(Decision.member_id == member_id)
        query = query.where(Decision.suggestion_id.in_(touched))
    return query.group_by(Decision.suggestion_id).subquery()


def accepted_evidence(session: Session, commitment_id: int | None = None, member_id: int | None = None) -> list[Evidence]:
    latest = latest_state_ids(commitment_id, member_id)
    query = (
        select(Decision, Suggestion, Item)
        .join(latest, latest.c.id == Decision.id)
        .join(Suggestion, Suggestion.id == Decision.suggestion_id)
        .join(Item, Item.id == Suggestion.item_id)
        .where(Decision.status_after == "accepted")
    )
    if commitment_id is not None:
        query = query.where(Decision.commitment_id == commitment_id)
    if member_id is not None:
        query = query.where(Decision.member_id == member_id)
    query = query.order_by(Decision.action_date, Item.published_at, Decision.id)
    return [Evidence(d, s, i) for d, s, i in session.exec(query)]


def accepted_marks(session: Session, commitment_id: int, member_id: int) -> list[tuple[int, str, bool]]:
    """(dimension id, strength, contradictory) of each accepted piece of evidence for one pair:
    all a scoring rule needs, without loading items or suggestions (a refresh runs on every
    decision)."""
    later = aliased(Decision)
    superseded = exists().where(later.suggestion_id == Decision.suggestion_id, later.id > Decision.id, later.action.in_(STATE_ACTIONS))
    query = select(Decision.dimension_id, Decision.strength, Decision.contradictory).where(
        Decision.commitment_id == commitment_id,
        Decision.member_id == member_id,
        Decision.status_after == "accepted",
        Decision.action.in_(STATE_ACTIONS),
        ~superseded,  # the latest state decision of its suggestion
    )
    return [(d, s, bool(c)) for d, s, c in session.execute(query)]

"""Evidence: what accepted decisions establish, read straight from the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from triage.models import Decision, Item, Suggestion
from triage.review.state import STATE_ACTIONS


@dataclass
class Evidence:
    decision: Decision  # effective member/commitment/dimension/strength/date/quote
    suggestion: Suggestion
    item: Item


def latest_state_ids():
    """Subquery: the id of the latest state-changing decision of each suggestion."""
    return (
        select(func.max(Decision.id).label("id"))
        .where(Decision.action.in_(STATE_ACTIONS))
        .group_by(Decision.suggestion_id)
        .subquery()
    )


def accepted_evidence(session: Session, commitment_id: int | None = None, member_id: int | None = None) -> list[Evidence]:
    latest = latest_state_ids()
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

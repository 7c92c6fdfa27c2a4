"""The current state of a suggestion as evidence: proposal values until someone decides."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace

from sqlmodel import Session, select

from triage.catalogue.index import CatalogueIndex
from triage.models import Decision, Suggestion

# Decisions that change a suggestion's state; a note does not.
STATE_ACTIONS = ("accept", "reject", "edit", "undo")


@dataclass(frozen=True)
class EvidenceState:
    status: str  # pending | accepted | rejected
    member_id: int
    commitment_id: int
    dimension_id: int
    strength: str
    contradictory: bool
    action_date: dt.date | None
    quote: str

    def changed(self, **values) -> EvidenceState:
        return replace(self, **values)

    def readable(self, index: CatalogueIndex) -> dict:
        """For the audit trail: names a person can read, ids a program can follow."""
        member = index.member_by_id(self.member_id)
        commitment = index.commitment_by_id(self.commitment_id)
        dimension = index.dimension_by_id(self.dimension_id)
        data = asdict(self)
        data["action_date"] = self.action_date.isoformat() if self.action_date else None
        data["member"] = member.name if member else None
        data["commitment"] = commitment.number if commitment else None
        data["dimension"] = dimension.key if dimension else None
        return data

    def effective_columns(self) -> dict:
        return {
            "member_id": self.member_id,
            "commitment_id": self.commitment_id,
            "dimension_id": self.dimension_id,
            "strength": self.strength,
            "contradictory": self.contradictory,
            "action_date": self.action_date,
            "quote": self.quote,
        }


def last_decision(session: Session, suggestion_id: int) -> Decision | None:
    return session.exec(
        select(Decision).where(Decision.suggestion_id == suggestion_id, Decision.action.in_(STATE_ACTIONS)).order_by(Decision.id.desc())
    ).first()


def proposal_state(s: Suggestion) -> EvidenceState:
    return EvidenceState(
        status="pending",
        member_id=s.member_id,
        commitment_id=s.commitment_id,
        dimension_id=s.dimension_id,
        strength=s.strength,
        contradictory=s.contradictory,
        action_date=s.action_date,
        quote=s.quote,
    )


def state_after(decision: Decision) -> EvidenceState:
    return EvidenceState(
        status=decision.status_after,
        member_id=decision.member_id,
        commitment_id=decision.commitment_id,
        dimension_id=decision.dimension_id,
        strength=decision.strength,
        contradictory=bool(decision.contradictory),
        action_date=decision.action_date,
        quote=decision.quote or "",
    )


def current_state(session: Session, suggestion: Suggestion) -> EvidenceState:
    last = last_decision(session, suggestion.id)
    return state_after(last) if last is not None else proposal_state(suggestion)

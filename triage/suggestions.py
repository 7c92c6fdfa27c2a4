"""Suggestions: validate a proposal against the catalogue and the item, then store it once.

Every proposer (the rules and LLM classifiers, an analyst adding evidence found
elsewhere, an evidence import) goes through `store_suggestion`, so the same checks
apply to all: member, commitment and dimension must exist; the quote must occur in
the item's text or the suggestion is flagged unverified; an action date outside the
compliance period is flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.catalogue.index import CatalogueIndex
from triage.items import normalise_text
from triage.models import Item, Suggestion, utcnow

FLAG_UNVERIFIED_QUOTE = "unverified_quote"
FLAG_OUT_OF_PERIOD = "out_of_period"
FLAG_ITEM_OUT_OF_PERIOD = "item_out_of_period"
FLAG_INJECTION = "injection_suspected"
FLAG_INCOMPLETE_COMMITMENT = "incomplete_commitment"


@dataclass
class Proposal:
    """What a proposer says: member x commitment x dimension with strength and evidence."""

    member: str
    commitment: int
    dimension: str
    strength: str
    contradictory: bool = False
    confidence: float = 0.5
    rationale: str = ""
    quote: str = ""
    action_date: dt.date | None = None


class InvalidProposal(ValueError):
    """A proposal that names something the catalogue does not have; never stored."""


def quote_occurs(quote: str, text: str) -> bool:
    """True when the quote is in the text, ignoring differences of whitespace and Unicode form."""
    q = normalise_text(quote)
    return bool(q) and q.casefold() in normalise_text(text).casefold()


def store_suggestion(
    session: Session,
    index: CatalogueIndex,
    item: Item,
    proposal: Proposal,
    *,
    agent: str,
    agent_kind: str,
    rule_fired: str | None = None,
    llm_call_id: int | None = None,
    extra_flags: tuple[str, ...] = (),
) -> tuple[Suggestion, bool]:
    """Validate and store; returns (suggestion, created). Re-running the same agent on the
    same item adds nothing (unique per item x member x commitment x dimension x agent)."""
    found, problems = index.problems(member=proposal.member, commitment=proposal.commitment, dimension=proposal.dimension)
    if problems:
        raise InvalidProposal("; ".join(p.message for p in problems))
    member, commitment, dimension = found.member, found.commitment, found.dimension
    assert member is not None and commitment is not None and dimension is not None
    if proposal.strength not in ("strong", "weak"):
        raise InvalidProposal(f"strength must be strong or weak, not {proposal.strength!r}")

    def same():
        return session.exec(
            select(Suggestion).where(
                Suggestion.item_id == item.id,
                Suggestion.member_id == member.id,
                Suggestion.commitment_id == commitment.id,
                Suggestion.dimension_id == dimension.id,
                Suggestion.agent == agent,
            )
        ).first()

    existing = same()
    if existing is not None:
        return existing, False

    flags = list(extra_flags)
    verified = quote_occurs(proposal.quote, f"{item.title}\n{item.text}")
    if not verified:
        flags.append(FLAG_UNVERIFIED_QUOTE)
    action_in_period = index.in_period(proposal.action_date)
    if action_in_period is False:
        flags.append(FLAG_OUT_OF_PERIOD)
    if item.in_period is False:
        flags.append(FLAG_ITEM_OUT_OF_PERIOD)
    if item.injection_suspected and FLAG_INJECTION not in flags:
        flags.append(FLAG_INJECTION)
    if not commitment.complete:
        flags.append(FLAG_INCOMPLETE_COMMITMENT)

    assert item.id is not None and member.id is not None and commitment.id is not None and dimension.id is not None
    suggestion = Suggestion(
        item_id=item.id,
        member_id=member.id,
        commitment_id=commitment.id,
        dimension_id=dimension.id,
        strength=proposal.strength,
        contradictory=proposal.contradictory,
        confidence=max(0.0, min(1.0, float(proposal.confidence))),
        rationale=proposal.rationale,
        quote=proposal.quote,
        quote_verified=verified,
        action_date=proposal.action_date,
        action_in_period=action_in_period,
        flags=sorted(set(flags)),
        agent=agent,
        agent_kind=agent_kind,
        rule_fired=rule_fired,
        llm_call_id=llm_call_id,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(suggestion)
    except IntegrityError:
        return same(), False  # another worker stored the same suggestion first
    return suggestion, True

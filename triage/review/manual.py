"""Evidence an analyst found elsewhere: stored as an item and a suggestion like any other,
so it goes through the same checks (quote in the text, dates in the period) and the same
decision flow (someone still accepts it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session

from triage.catalogue.index import CatalogueIndex
from triage.errors import Forbidden, InputError, Problem
from triage.items import ItemDraft, store_item
from triage.models import Item, Suggestion, User
from triage.policies import can
from triage.suggestions import InvalidProposal, Proposal, store_suggestion


@dataclass
class ManualEvidence:
    url: str
    title: str
    publisher: str
    published: dt.date
    text: str
    member: str
    commitment: int
    dimension: str
    strength: str
    quote: str = ""
    action_date: dt.date | None = None
    rationale: str = ""
    language: str | None = None
    item_id: int | None = None  # proposed from an item already stored: the suggestion goes on it


def check(evidence: ManualEvidence, index: CatalogueIndex) -> list[Problem]:
    """Every problem at once, so the form can show them all."""
    problems = []
    if not evidence.url.lower().startswith(("http://", "https://")):
        problems.append(Problem("url: give the http(s) address of the original"))
    for name in ("title", "publisher", "text"):
        if not getattr(evidence, name).strip():
            problems.append(Problem(f"{name}: required"))
    _found, named = index.problems(member=evidence.member, commitment=evidence.commitment, dimension=evidence.dimension, fields=True)
    problems += named
    if evidence.strength not in ("strong", "weak"):
        problems.append(Problem("strength: strong or weak"))
    return problems


def add_evidence(session: Session, index: CatalogueIndex, *, user: User, evidence: ManualEvidence) -> tuple[Item, Suggestion]:
    """Store the item (or find the same story already stored) and the analyst's suggestion."""
    if not can(user, "review"):
        raise Forbidden(f"{user.username} may not add evidence")
    problems = check(evidence, index)
    if problems:
        raise InputError(problems)
    published = dt.datetime.combine(evidence.published, dt.time(12), tzinfo=dt.UTC)
    draft = ItemDraft(
        title=evidence.title.strip(),
        text=evidence.text.strip(),
        url=evidence.url.strip(),
        publisher=evidence.publisher.strip(),
        language=evidence.language,
        published_at=published,
        origin="manual",
        created_by_id=user.id,
    )
    if evidence.item_id is not None:
        stored = session.get(Item, evidence.item_id)
        if stored is None:
            raise InputError(Problem(f"there is no item {evidence.item_id}", field="item"))
        item, created = stored, False
    else:
        item, created = store_item(session, draft, index.period)
    if created:
        item.status = "classified"  # an analyst already classified it; the pipeline leaves it alone
        session.add(item)
        session.flush()
    proposal = Proposal(
        member=evidence.member,
        commitment=evidence.commitment,
        dimension=evidence.dimension,
        strength=evidence.strength,
        confidence=1.0,  # a person proposed it
        rationale=evidence.rationale.strip(),
        quote=evidence.quote.strip(),
        action_date=evidence.action_date,
    )
    try:
        suggestion, _ = store_suggestion(session, index, item, proposal, agent=f"analyst:{user.username}", agent_kind="analyst")
    except InvalidProposal as exc:
        raise InputError(str(exc)) from None
    return item, suggestion

"""Factories for the entities most tests build: users, items, suggestions, decisions.

Each goes through the service every other writer uses (accounts, `store_item`,
`store_suggestion`, `decide`), so a test gets rows the application itself would have
written, with every check applied, and says only what matters to it.
"""

from __future__ import annotations

import datetime as dt
import itertools

from sqlmodel import Session

from triage.accounts import create_user
from triage.catalogue.index import CatalogueIndex
from triage.items import ItemDraft, store_item
from triage.models import Decision, Item, Suggestion, User
from triage.review.decisions import Edit, decide
from triage.suggestions import Proposal, store_suggestion

_serial = itertools.count(1)


def make_user(session: Session, *, username: str | None = None, role: str = "analyst", password: str | None = None) -> User:
    """A user; the password defaults to `password-<username>`."""
    name = username or f"user{next(_serial)}"
    return create_user(session, username=name, role=role, password=password or f"password-{name}")


def make_item(
    session: Session,
    index: CatalogueIndex,
    *,
    title: str | None = None,
    text: str = "The government acted.",
    url: str | None = None,
    publisher: str | None = None,
    language: str | None = None,
    published: dt.datetime | dt.date | None = dt.date(2024, 7, 1),
) -> Item:
    """An item inside the catalogue's period unless told otherwise; each call a distinct story."""
    n = next(_serial)
    if isinstance(published, dt.date) and not isinstance(published, dt.datetime):
        published = dt.datetime.combine(published, dt.time(9), tzinfo=dt.UTC)
    item, _ = store_item(
        session,
        ItemDraft(title=title or f"Item {n}", text=f"{text} (story {n})", url=url, publisher=publisher, language=language, published_at=published),
        index.period,
    )
    return item


def make_suggestion(
    session: Session,
    index: CatalogueIndex,
    *,
    item: Item | None = None,
    member: str = "Canada",
    commitment: int = 19,
    dimension: str = "counter",
    strength: str = "strong",
    quote: str = "",
    confidence: float = 0.5,
    action_date: dt.date | None = None,
    agent: str = "rules:test",
    agent_kind: str = "rules",
) -> Suggestion:
    """A pending suggestion on `item` (a new item when none is given)."""
    item = item or make_item(session, index)
    proposal = Proposal(member, commitment, dimension, strength, confidence=confidence, quote=quote, action_date=action_date)
    suggestion, _ = store_suggestion(session, index, item, proposal, agent=agent, agent_kind=agent_kind)
    return suggestion


def make_decision(
    session: Session,
    index: CatalogueIndex,
    *,
    suggestion: Suggestion,
    user: User,
    action: str = "accept",
    reason: str | None = None,
    note: str | None = None,
    edit: Edit | None = None,
) -> Decision:
    """A decision on the suggestion's current version, through the review service (audit and scores follow)."""
    return decide(
        session, index, suggestion_id=suggestion.id, user=user, action=action, version=suggestion.version, reason=reason, note=note, edit=edit
    )

"""What the item view shows beside an item: its suggestions as they stand, its full history,
and what analysts already decided about the same story (the same canonical URL, or a
near-duplicate fingerprint) under another item."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, select

from triage.errors import NotFound
from triage.models import Decision, Item, Suggestion, User
from triage.review.state import EvidenceState, current_state, last_decision


@dataclass
class SuggestionView:
    suggestion: Suggestion
    state: EvidenceState
    last: Decision | None
    last_by: str | None


@dataclass
class HistoryEntry:
    decision: Decision
    username: str
    item_id: int
    item_title: str


@dataclass
class Story:
    item: Item
    suggestions: list[SuggestionView]
    history: list[HistoryEntry]  # this item's decisions, oldest first
    related: list[HistoryEntry]  # decisions on the same story under other items, newest first


def _entries(session: Session, query) -> list[HistoryEntry]:
    return [HistoryEntry(d, u, i, t) for d, u, i, t in session.execute(query).all()]


def _history_query():
    return (
        select(Decision, User.username, Item.id, Item.title)
        .join(User, User.id == Decision.user_id)
        .join(Suggestion, Suggestion.id == Decision.suggestion_id)
        .join(Item, Item.id == Suggestion.item_id)
    )


def suggestion_view(session: Session, suggestion: Suggestion) -> SuggestionView:
    last = last_decision(session, suggestion.id)
    who = session.get(User, last.user_id).username if last is not None else None
    return SuggestionView(suggestion, current_state(session, suggestion), last, who)


def load_story(session: Session, item_id: int, related_limit: int = 50) -> Story:
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"no item {item_id}")
    suggestions = session.exec(select(Suggestion).where(Suggestion.item_id == item_id).order_by(Suggestion.confidence.desc(), Suggestion.id)).all()
    views = [suggestion_view(session, s) for s in suggestions]
    history = _entries(session, _history_query().where(Item.id == item_id).order_by(Decision.id))
    same_story = []
    if item.canonical_url:
        same_story.append(Item.canonical_url == item.canonical_url)
    if item.fingerprint is not None:
        same_story.append(Item.fingerprint == item.fingerprint)
    related = []
    if same_story:
        related = _entries(
            session,
            _history_query().where(Item.id != item_id, or_(*same_story)).order_by(Decision.id.desc()).limit(related_limit),
        )
    return Story(item, views, history, related)

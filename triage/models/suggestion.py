"""Suggestions: a proposal (machine or analyst) that an item is evidence."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow
from triage.vocab import SuggestionState

SUGGESTION_STATES = tuple(SuggestionState)


class SuggestionBase(SQLModel):
    strength: str = Field(max_length=10)  # strong | weak
    contradictory: bool = False
    confidence: float = 0.0
    rationale: str = ""
    quote: str = ""
    action_date: dt.date | None = None


class Suggestion(SuggestionBase, table=True):
    __table_args__ = (
        UniqueConstraint("item_id", "member_id", "commitment_id", "dimension_id", "agent"),
        Index("ix_suggestion_queue", "status", "commitment_id", "member_id"),
        # The review queue walks this in confidence order (keyset paging; migration 0002).
        Index("ix_suggestion_status_confidence", "status", "confidence", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    commitment_id: int = Field(foreign_key="commitment.id")
    dimension_id: int = Field(foreign_key="dimension.id")
    quote_verified: bool = False
    action_in_period: bool | None = None
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    agent: str = Field(max_length=120, description="rules:<version> | llm:<model>@<prompt version> | analyst:<user> | import:<user>")
    agent_kind: str = Field(max_length=20)  # rules | llm | analyst | import
    rule_fired: str | None = None
    llm_call_id: int | None = Field(default=None, foreign_key="llm_call.id")
    status: str = Field(default="pending", max_length=20)
    version: int = 1  # bumped by every decision; a stale version is a conflict
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

"""Decisions: the append-only audit of what analysts did with suggestions.

A decision is never updated or deleted (database triggers refuse it). The effective
evidence after a decision is stored in full on the row, so an item's history can be
read without replaying anything and evidence is a plain query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow
from triage.vocab import DecisionAction, RejectReason

ACTIONS = tuple(DecisionAction)
REJECT_REASONS = tuple(RejectReason)


class Decision(SQLModel, table=True):
    # Evidence for one (commitment, member) pair is re-read on every decision (migration 0002).
    __table_args__ = (Index("ix_decision_pair", "commitment_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    suggestion_id: int = Field(foreign_key="suggestion.id", index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    action: str = Field(max_length=10)
    reason: str | None = Field(default=None, max_length=40)
    note: str | None = None
    based_on_version: int  # the suggestion version the analyst saw
    status_after: str = Field(max_length=20)  # pending | accepted | rejected
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # Effective evidence after this decision (when accepted).
    member_id: int | None = Field(default=None, foreign_key="member.id")
    commitment_id: int | None = Field(default=None, foreign_key="commitment.id", index=True)
    dimension_id: int | None = Field(default=None, foreign_key="dimension.id")
    strength: str | None = Field(default=None, max_length=10)
    contradictory: bool | None = None
    action_date: dt.date | None = None
    quote: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)

"""Scores per member x commitment: suggested by the rule, final as set by a lead."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow


class Score(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("member_id", "commitment_id"),)

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    suggested: int | None = None
    explanation: str | None = None
    suggested_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    final: int | None = None
    justification: str | None = None
    set_by_id: int | None = Field(default=None, foreign_key="users.id")
    set_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    origin: str | None = Field(default=None, max_length=20)  # lead | import
    # Bumped by every change of the final score; a writer names the version it saw
    # and loses (Conflict) when it is no longer current (compare-and-swap).
    version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class ScoreChange(SQLModel, table=True):
    """Append-only audit of final scores."""

    __tablename__ = "score_change"

    id: int | None = Field(default=None, primary_key=True)
    score_id: int = Field(foreign_key="score.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id")
    old_final: int | None = None
    new_final: int | None = None
    justification: str | None = None
    origin: str = Field(max_length=20)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

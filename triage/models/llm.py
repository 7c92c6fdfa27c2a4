"""Every model call as a queryable row, and the response cache."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow


class LLMCall(SQLModel, table=True):
    __tablename__ = "llm_call"

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    item_id: int | None = Field(default=None, foreign_key="item.id", index=True)
    model: str = Field(max_length=120)
    endpoint: str | None = None
    prompt_version: str = Field(max_length=60)
    schema_hash: str | None = Field(default=None, max_length=64)
    output_mode: str | None = Field(default=None, max_length=20)  # json_schema | json_object
    attempt: int = 1
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    cost_usd: float = 0.0
    outcome: str = Field(max_length=30)  # ok | repaired | invalid | http_error | timeout | rate_limited | budget
    http_status: int | None = None
    error: str | None = None


class LLMCache(SQLModel, table=True):
    """A validated answer for (content hash, prompt version, model): re-running never pays twice."""

    __tablename__ = "llm_cache"

    key: str = Field(primary_key=True, max_length=64)
    content_hash: str = Field(max_length=64)
    prompt_version: str = Field(max_length=60)
    model: str = Field(max_length=120)
    response: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

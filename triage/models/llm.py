"""Every model call as a queryable row, its texts (content-addressed), probe results, and the response cache."""

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
    output_mode: str | None = Field(default=None, max_length=20)  # the dialect (Dialect): openai, llamacpp, ...
    attempt: int = 1
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    cost_usd: float = 0.0
    outcome: str = Field(max_length=30)  # ok | repaired | invalid | http_error | timeout | rate_limited | budget
    http_status: int | None = None
    error: str | None = None
    # The exact texts (LLMText.sha256) so an analyst can read what was asked and what came back.
    request_sha256: str | None = Field(default=None, max_length=64)
    response_sha256: str | None = Field(default=None, max_length=64)
    token_source: str | None = Field(default=None, max_length=10)  # server | estimate
    server_tokens_in: int | None = None  # what the server's usage said, whichever source counted
    server_tokens_out: int | None = None


class LLMCache(SQLModel, table=True):
    """A validated answer for (content hash, prompt version, model): re-running never pays twice."""

    __tablename__ = "llm_cache"

    key: str = Field(primary_key=True, max_length=64)
    content_hash: str = Field(max_length=64)
    prompt_version: str = Field(max_length=60)
    model: str = Field(max_length=120)
    response: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LLMText(SQLModel, table=True):
    """A request or response text, stored once under its SHA-256 (many items share one prompt prefix).

    `text` is the storable form: NUL and lone surrogates (which PostgreSQL or UTF-8 refuse) are
    escaped, and very long answers are cut; `chars` is the length of the original text."""

    __tablename__ = "llm_text"

    sha256: str = Field(primary_key=True, max_length=64)
    text: str
    chars: int = 0
    truncated: bool = False
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class LLMProbe(SQLModel, table=True):
    """What `triage llm check` found an endpoint and model to support (the latest row wins)."""

    __tablename__ = "llm_probe"

    id: int | None = Field(default=None, primary_key=True)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    base_url: str = Field(max_length=500)
    model: str = Field(max_length=120)
    dialect: str | None = Field(default=None, max_length=20)  # None: no dialect worked
    usage_reported: bool = False
    usage_plausible: bool = False
    context_length: int | None = None
    latency_ms: int = 0
    tokens_per_second: float | None = None
    report: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))

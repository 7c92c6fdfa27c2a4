"""Sources (feeds) with their fetch state, and the log of every fetch."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow


class SourceBase(SQLModel):
    id: str = Field(primary_key=True, max_length=100)
    url: str
    member: str | None = Field(default=None, max_length=60, description="Member key, or None for 'any' (news).")
    publisher: str
    city: str | None = None
    language: str | None = Field(default=None, max_length=10)
    kind: str = Field(default="official", max_length=20)  # official | news
    poll_minutes: int = 60
    enabled: bool = True
    # How the source is read (SourceFormat) and the format's options (selectors, JSON paths).
    format: str = Field(default="feed", max_length=20)
    office: str | None = Field(default=None, max_length=20)  # head | foreign | interior | ... (Office)
    note: str | None = None
    verification: str | None = Field(default=None, max_length=20)  # verified | unverified | blocked
    verified_on: dt.date | None = None
    evidence: str | None = None
    stale_days: int = 30  # no new entry for longer than this is `stale`


class Source(SourceBase, table=True):
    members: list[str] | None = Field(default=None, sa_column=Column(JSON))  # every member it speaks for; None: any
    entries_config: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    origin: str = Field(default="registry", max_length=20)  # registry | cli | adhoc
    # Fetch state, kept here so a restart resumes politely (conditional GET, back-off).
    etag: str | None = None
    last_modified: str | None = None
    last_fetch_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_fetch_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    last_status: int | None = None
    last_error: str | None = None
    error_count: int = 0
    # Health (SourceHealthStatus), what made it so, and since when it has been so.
    health: str | None = Field(default=None, max_length=20)
    health_error: str | None = None
    health_since: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    newest_entry_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class FetchLog(SQLModel, table=True):
    __tablename__ = "fetch_log"

    id: int | None = Field(default=None, primary_key=True)
    source_id: str = Field(foreign_key="source.id", index=True, max_length=100)
    started_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    duration_ms: int = 0
    http_status: int | None = None
    outcome: str = Field(max_length=30)  # ok | not_modified | error | parse_error
    error: str | None = None
    bytes: int = 0
    entries: int = 0
    new_items: int = 0
    duplicates: int = 0
    rejected: int = 0  # entries left out (unparseable, or refused by the database); reasons in `bozo`
    bozo: str | None = None  # feedparser's complaint about a malformed feed, if any

"""Worker coordination: claims on due sources, and heartbeats of long-running processes."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime


class SourceClaim(SQLModel, table=True):
    """A due source taken by one worker until `expires_at` (a dead worker's claim runs out).

    A table of its own rather than columns on `source`: the claim is short-lived
    coordination state, and the source's own row stays the registry's and the fetcher's."""

    __tablename__ = "source_claim"

    source_id: str = Field(primary_key=True, foreign_key="source.id", ondelete="CASCADE", max_length=100)
    owner: str = Field(max_length=120)
    claimed_at: dt.datetime = Field(sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)


class Heartbeat(SQLModel, table=True):
    """The last sign of life of a scheduler or worker process (read by /healthz and /metrics)."""

    owner: str = Field(primary_key=True, max_length=120)
    kind: str = Field(max_length=20, index=True)  # vocab.ProcessKind
    started_at: dt.datetime = Field(sa_type=UTCDateTime)
    beat_at: dt.datetime = Field(sa_type=UTCDateTime)

"""Items: one press release or article as fetched, and where it was seen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow
from triage.vocab import ItemState

ITEM_STATES = tuple(ItemState)


class ItemBase(SQLModel):
    url: str | None = None
    title: str
    text: str = Field(default="", description="Snapshot of the text as fetched; never rewritten.")
    publisher: str | None = None
    city: str | None = None
    language: str | None = Field(default=None, max_length=10)
    published_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class Item(ItemBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    canonical_url: str | None = Field(default=None, index=True)
    language_detected: bool = False  # True when the language was guessed, not declared
    date_missing: bool = False  # published_at fell back to the fetch time
    fetched_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)  # the citation's access date
    content_hash: str = Field(max_length=64, unique=True)
    fingerprint: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))  # near-duplicate detection
    in_period: bool | None = None
    origin: str = Field(default="feed", max_length=20)  # feed | manual | import
    status: str = Field(default="new", max_length=20, index=True)
    status_reason: str | None = None
    attempts: int = 0
    last_attempt_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    gist_en: str | None = None  # English gist of a non-English item (LLM backend)
    injection_suspected: bool = False
    created_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Sighting(SQLModel, table=True):
    """One item seen in one feed; the same story syndicated widely is one item, many sightings."""

    __table_args__ = (UniqueConstraint("source_id", "entry_key"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    source_id: str = Field(foreign_key="source.id", max_length=100)
    entry_key: str = Field(description="The entry's guid, else its link, else a hash of title and date.")
    entry_url: str | None = None
    seen_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

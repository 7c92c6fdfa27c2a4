"""A piece of evidence's own citation data, kept apart from the item it came from.

An item is one page as a feed or an import first stored it; many pieces of evidence may
point at it. What an analyst accepted or imported (title, publisher, city, date, access
date, URL) is written here at that moment, so a feed item with the same URL, stored
earlier or later, never changes a footnote. Rows are append-only: a correction is a new
row with the same `evidence_key` (the newest counts), so every change is audited.

`evidence_key` names the evidence: "s:<suggestion id>" for evidence that credits a
dimension; "x:<item>:<member>:<commitment>:<hash>" for evidence the report cites but
that credits no dimension ("context"), which counts for no score.
"""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow


class EvidenceCitation(SQLModel, table=True):
    __tablename__ = "evidence_citation"

    id: int | None = Field(default=None, primary_key=True)
    evidence_key: str = Field(max_length=120, index=True)
    suggestion_id: int | None = Field(default=None, foreign_key="suggestion.id", index=True)
    item_id: int = Field(foreign_key="item.id", index=True)
    member_id: int = Field(foreign_key="member.id")
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    kind: str = Field(default="dimension", max_length=20)  # EvidenceKind
    paragraph: str | None = None  # context evidence's text (dimension evidence has its decision's quote)
    action_date: dt.date | None = None
    title: str | None = None
    publisher: str | None = None
    city: str | None = None
    source_date: dt.date | None = None
    date_precision: str = Field(default="day", max_length=10)  # DatePrecision
    accessed: dt.date | None = None
    url: str | None = None
    translated: bool = False
    missing: bool = False  # the report lost this footnote: kept, flagged "citation missing"
    origin: str = Field(max_length=20)  # CitationOrigin
    user_id: int | None = Field(default=None, foreign_key="users.id")
    note: str | None = None  # why a correction was made
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

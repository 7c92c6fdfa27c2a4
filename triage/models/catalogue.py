"""A catalogue as stored: the report, its members, commitments and dimensions.

The YAML file is the source of truth; `triage init` (and `catalogue load`) copies it
here so that suggestions, decisions and scores can refer to rows by key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow


class CatalogueRow(SQLModel, table=True):
    __tablename__ = "catalogue"

    id: str = Field(primary_key=True, max_length=100)
    title: str
    group: str = Field(max_length=10)
    summit: str
    report_kind: str = Field(max_length=10)
    period_start: dt.date
    period_end: dt.date
    path: str
    sha256: str = Field(max_length=64)
    loaded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    active: bool = True
    scale: dict[str, str] | None = Field(default=None, sa_column=Column(JSON))  # score -> label


class MemberRow(SQLModel, table=True):
    __tablename__ = "member"
    __table_args__ = (UniqueConstraint("catalogue_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    catalogue_id: str = Field(foreign_key="catalogue.id", index=True, max_length=100)
    key: str = Field(max_length=60)
    name: str
    kind: str = Field(default="country", max_length=20)
    position: int = 0
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    demonyms: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class CommitmentRow(SQLModel, table=True):
    __tablename__ = "commitment"
    __table_args__ = (UniqueConstraint("catalogue_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    catalogue_id: str = Field(foreign_key="catalogue.id", index=True, max_length=100)
    number: int
    area: str
    title: str
    quote: str | None = None
    # The quote's citation (title, publisher, city, date, url), printed under it in report drafts.
    quote_source: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    complete: bool = False
    rule: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    exclusions: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class DimensionRow(SQLModel, table=True):
    __tablename__ = "dimension"
    __table_args__ = (UniqueConstraint("commitment_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    key: str = Field(max_length=60)
    name: str
    description: str = ""
    position: int = 0
    strong_examples: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    weak_examples: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    retired: bool = False  # no longer in the catalogue file; kept because evidence may point here

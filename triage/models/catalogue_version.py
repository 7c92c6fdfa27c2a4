"""Commitments as leads edit them in the web app: every save a new version, never rewritten.

The catalogue file stays what `triage init` loads; a commitment's latest version here is laid
over it (by classification, `triage init` and the web app alike), so an edit survives a reload.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow


class CommitmentVersion(SQLModel, table=True):
    __tablename__ = "commitment_version"
    __table_args__ = (UniqueConstraint("catalogue_id", "number", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    catalogue_id: str = Field(foreign_key="catalogue.id", index=True, max_length=100)
    number: int
    version: int  # 1 for the first edit of a commitment; the file's text is version 0
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))  # the commitment, as in the catalogue file
    changed: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # fields that differ from before
    user_id: int | None = Field(default=None, foreign_key="users.id")
    note: str | None = None
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

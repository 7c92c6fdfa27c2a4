"""Versioned learned models: who trained each, on what, when, how well, and the model itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow


class LearnedModelRow(SQLModel, table=True):
    __tablename__ = "learned_model"
    __table_args__ = (UniqueConstraint("catalogue_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    catalogue_id: str = Field(max_length=80, index=True)
    version: int  # 1, 2, ... per catalogue; the agent of every suggestion it scored names it
    agent: str = Field(max_length=120)  # learned:<catalogue>@v<version>
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=120)  # the user, or "scheduler"
    trained_on: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # sources and label counts
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))  # cross-validated figures
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # the fitted estimators (pickle, written only by Triage)

"""Leases: a row per named job so that two schedulers never run it at once."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime


class Lease(SQLModel, table=True):
    name: str = Field(primary_key=True, max_length=120)
    owner: str = Field(max_length=120)
    acquired_at: dt.datetime = Field(sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)

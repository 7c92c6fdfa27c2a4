"""Users, their roles and assignments, web sessions and login attempts."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from triage.models.types import UTCDateTime, utcnow
from triage.vocab import Role

ROLES = tuple(Role)


class UserBase(SQLModel):
    username: str = Field(max_length=80, unique=True)
    display_name: str | None = None
    role: str = Field(default="analyst", max_length=10)
    active: bool = True


class User(UserBase, table=True):
    __tablename__ = "users"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    password_hash: str
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # A temporary password (an admin's reset, the demo's login) must be replaced at the next login.
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class Assignment(SQLModel, table=True):
    """An analyst staffed on a (commitment, member) pair; member None means all members."""

    __table_args__ = (UniqueConstraint("user_id", "commitment_id", "member_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    commitment_id: int = Field(foreign_key="commitment.id")
    member_id: int | None = Field(default=None, foreign_key="member.id")
    assigned_by_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: str = Field(primary_key=True, max_length=64, description="SHA-256 of the cookie token.")
    user_id: int = Field(foreign_key="users.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    # The next page's banner, set by the server only (never taken from a URL): {"kind", "text"}.
    flash: dict | None = Field(default=None, sa_type=sa.JSON)


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempt"
    # Failed logins are counted per client address over a time window (migration 0002).
    __table_args__ = (Index("ix_login_attempt_client_at", "client", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, index=True)
    client: str | None = Field(default=None, max_length=64)
    ok: bool = False
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class SavedView(SQLModel, table=True):
    """A named filter an analyst keeps: the query string of a queue or items page."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(max_length=80)
    page: str = Field(max_length=20)  # queue | items
    query: str = Field(default="", max_length=2000)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

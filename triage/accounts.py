"""Accounts: users with roles and argon2-hashed passwords."""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from triage.errors import InputError
from triage.models import ROLES, User

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,79}$")
MIN_PASSWORD = 8

# What each role may do; checked on the server for every action.
PERMISSIONS = {
    "analyst": {"review"},
    "lead": {"review", "score", "assign"},
    "admin": {"review", "score", "assign", "manage"},
}


def can(user: User, permission: str) -> bool:
    return user.active and permission in PERMISSIONS.get(user.role, set())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def get_user(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == username)).first()


def create_user(session: Session, username: str, role: str, password: str, display_name: str | None = None) -> User:
    if not USERNAME.match(username):
        raise InputError(f"invalid user name {username!r}: 2-80 letters, digits, '.', '_', '@' or '-'")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: use {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
    if get_user(session, username) is not None:
        raise InputError(f"user {username!r} already exists")
    user = User(username=username, role=role, display_name=display_name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user

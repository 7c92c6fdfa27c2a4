"""Accounts: users with roles and argon2-hashed passwords."""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from triage.errors import InputError
from triage.models import ROLES, User, WebSession
from triage.policies import PERMISSIONS, authorize, can  # noqa: F401  (can, PERMISSIONS: re-exported for callers)

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,79}$")
MIN_PASSWORD = 8


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


# --- administration (admins only; the web app's users page calls these) -----------------------


def _require(actor: User, permission: str) -> None:
    authorize(actor, permission, permission)


def add_user(session: Session, actor: User, username: str, role: str, password: str | None = None) -> tuple[User, str]:
    """Create an account for someone else; returns (user, password) so a generated one can be shown once."""
    _require(actor, "manage")
    password = password or generate_password()
    return create_user(session, username.strip(), role, password), password


def set_role(session: Session, actor: User, user: User, role: str) -> User:
    _require(actor, "manage")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: use {', '.join(ROLES)}")
    if user.id == actor.id and role != "admin":
        raise InputError("you cannot take away your own admin role (ask another admin)")
    user.role = role
    session.add(user)
    return user


def set_active(session: Session, actor: User, user: User, active: bool) -> User:
    """Deactivate (or reactivate) an account; a deactivated user's web sessions end at once."""
    _require(actor, "manage")
    if user.id == actor.id and not active:
        raise InputError("you cannot deactivate your own account")
    user.active = active
    session.add(user)
    if not active:
        for web_session in session.exec(select(WebSession).where(WebSession.user_id == user.id)):
            session.delete(web_session)
    return user


def demo_login(session: Session, username: str = "demo", role: str = "admin") -> tuple[User, str]:
    """A login for the demo: the account is created if missing and gets a fresh random password
    each time, so the printed password works once per demo run and nowhere else."""
    password = generate_password()
    user = get_user(session, username)
    if user is None:
        return create_user(session, username, role, password, display_name="Demo"), password
    user.password_hash = hash_password(password)
    user.active = True
    session.add(user)
    return user, password

"""Accounts: users with roles and argon2-hashed passwords."""

from __future__ import annotations

import functools
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from triage.errors import InputError, Problem
from triage.models import ROLES, User, WebSession
from triage.policies import PERMISSIONS, authorize, can  # noqa: F401  (can, PERMISSIONS: re-exported for callers)

_hasher = PasswordHasher()
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,79}$")
MIN_PASSWORD = 8


@functools.cache
def _common_passwords() -> frozenset[str]:
    # zxcvbn's frequency list: the 30,000 most common passwords from leaked password sets.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, username: str | None = None) -> list[str]:
    """Why a password is refused (empty list: accepted). Length counts the characters that are
    not spaces; the common-password check ignores case and surrounding spaces."""
    problems = []
    core = password.strip()
    if not core:
        problems.append("the password is blank")
    elif len(core) < MIN_PASSWORD or len(password) < MIN_PASSWORD:
        problems.append(f"the password must have at least {MIN_PASSWORD} characters (not counting surrounding spaces)")
    lowered = core.lower()
    if core and lowered in _common_passwords():
        problems.append("that password is one of the most common passwords; choose another")
    if username and core and lowered == username.strip().lower():
        problems.append("the password must not be the user name")
    return problems


def check_password(password: str, username: str | None = None) -> None:
    problems = password_problems(password, username)
    if problems:
        raise InputError([Problem(p, field="password") for p in problems])


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


def create_user(session: Session, *, username: str, role: str, password: str, display_name: str | None = None) -> User:
    if not USERNAME.match(username):
        raise InputError(f"invalid user name {username!r}: 2-80 letters, digits, '.', '_', '@' or '-'")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: use {', '.join(ROLES)}")
    check_password(password, username)
    if get_user(session, username) is not None:
        raise InputError(f"user {username!r} already exists")
    user = User(username=username, role=role, display_name=display_name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


# --- administration (admins only; the web app's users page calls these) -----------------------


def _require(actor: User, permission: str) -> None:
    authorize(actor, permission, permission)


def add_user(session: Session, *, actor: User, username: str, role: str, password: str | None = None) -> tuple[User, str]:
    """Create an account for someone else; returns (user, password) so a generated one can be shown once."""
    _require(actor, "manage")
    password = password or generate_password()
    return create_user(session, username=username.strip(), role=role, password=password), password


def set_role(session: Session, *, actor: User, user: User, role: str) -> User:
    _require(actor, "manage")
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: use {', '.join(ROLES)}")
    if user.id == actor.id and role != "admin":
        raise InputError("you cannot take away your own admin role (ask another admin)")
    user.role = role
    session.add(user)
    return user


def set_active(session: Session, *, actor: User, user: User, active: bool) -> User:
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


# --- passwords: change your own, an admin's reset, the CLI's -----------------------------------


def _end_sessions(session: Session, user: User, keep: str | None = None) -> None:
    for web_session in session.exec(select(WebSession).where(WebSession.user_id == user.id)):
        if web_session.id != keep:
            session.delete(web_session)


def set_password(session: Session, *, user: User, password: str, temporary: bool = False, keep_session: str | None = None) -> User:
    """Store a new password (policy checked) and end the user's other web sessions. A temporary
    one must be replaced at the next login."""
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    session.add(user)
    _end_sessions(session, user, keep=keep_session)
    return user


def change_own_password(session: Session, *, user: User, current: str, new: str, repeat: str, keep_session: str | None = None) -> User:
    """The user changes their own password: the current one is checked first."""
    problems = []
    if not verify_password(user, current):
        problems.append(Problem("the current password is wrong", field="current_password"))
    if new != repeat:
        problems.append(Problem("the two new passwords differ", field="repeat_password"))
    if new and verify_password(user, new):
        problems.append(Problem("the new password is the current one", field="new_password"))
    problems += [Problem(p, field="new_password") for p in password_problems(new, user.username)]
    if problems:
        raise InputError(problems)
    return set_password(session, user=user, password=new, keep_session=keep_session)


def reset_password(session: Session, *, actor: User, user: User) -> str:
    """An admin gives someone a temporary password (shown once), to be changed at first login;
    their sessions end at once."""
    _require(actor, "manage")
    password = generate_password()
    set_password(session, user=user, password=password, temporary=True)
    return password


def demo_login(session: Session, *, username: str = "demo", role: str = "admin") -> tuple[User, str]:
    """A login for the demo: the account is created if missing and gets a fresh random password
    each time, which must be changed at the first login (it really is one-time)."""
    password = generate_password()
    user = get_user(session, username)
    if user is None:
        user = create_user(session, username=username, role=role, password=password, display_name="Demo")
    else:
        user.password_hash = hash_password(password)
        user.active = True
    user.must_change_password = True
    session.add(user)
    return user, password

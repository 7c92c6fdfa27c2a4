"""Who may do what: the one table of permissions, checked by every service that changes data.

Kept at the bottom of the layers so that accounts, review, scoring and the web app all ask
the same question the same way (the page hiding a button is not a check).
"""

from __future__ import annotations

from typing import Protocol

from triage.errors import Forbidden
from triage.vocab import Permission, Role


class Actor(Protocol):
    username: str
    role: str
    active: bool


PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.ANALYST: frozenset({Permission.REVIEW}),
    Role.LEAD: frozenset({Permission.REVIEW, Permission.SCORE, Permission.ASSIGN}),
    Role.ADMIN: frozenset({Permission.REVIEW, Permission.SCORE, Permission.ASSIGN, Permission.MANAGE}),
}

# Why each permission is needed, for refusals a person can act on.
NEEDED_FOR: dict[str, str] = {
    Permission.REVIEW: "review",
    Permission.SCORE: "set final scores (leads and admins may)",
    Permission.ASSIGN: "assign work (leads and admins do)",
    Permission.MANAGE: "manage users, sources and catalogues (admins do)",
}


def can(user: Actor, permission: str) -> bool:
    return bool(user.active) and permission in PERMISSIONS.get(user.role, frozenset())


def authorize(user: Actor, permission: str, what: str | None = None) -> None:
    """Raise Forbidden unless `user` holds `permission`; `what` names the refused action."""
    if not can(user, permission):
        raise Forbidden(f"{user.username} may not {what or NEEDED_FOR.get(permission, permission)}")

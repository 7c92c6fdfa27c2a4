"""Routers, one module per area, and the navigation they add.

Every router except `login` is protected as a whole (a session and, for POST, the CSRF
token; see `protected()`), so a new page cannot forget the check; role checks are made
in each action. The scores dashboard (issue 6) is `routes/scores.py`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends

from triage.policies import can
from triage.web.auth import csrf_protect


def protected(**kwargs) -> APIRouter:
    return APIRouter(dependencies=[Depends(csrf_protect)], **kwargs)


@dataclass(frozen=True)
class NavEntry:
    label: str
    path: str
    permission: str

    def visible_to(self, user) -> bool:
        return can(user, self.permission)


from triage.web.routes import account, admin, assignments, catalogue, evidence, health, items, login, progress, queue, review, scores, views  # noqa: E402

NAV = [
    NavEntry("Queue", "/queue", "review"),
    NavEntry("Items", "/items", "review"),  # issue 14
    NavEntry("Add evidence", "/evidence/new", "review"),
    NavEntry("Scores", "/scores", "review"),
    NavEntry("Assignments", "/assignments", "assign"),
    NavEntry("Commitments", "/catalogue", "score"),
    NavEntry("Progress", "/progress", "assign"),  # issue 14
    NavEntry("Users", "/admin/users", "manage"),
    NavEntry("Sources", "/admin/sources", "manage"),
    NavEntry("Catalogue", "/admin/catalogue", "manage"),
]

ROUTERS = [
    health.router,  # /healthz, /metrics: public, nothing secret
    login.router,
    queue.router,
    review.router,
    evidence.router,
    scores.router,
    assignments.router,
    admin.router,
    catalogue.router,
    account.router,  # issue 14: your own password
    items.router,  # issue 14: the Items view and search
    progress.router,  # issue 14: the leads' dashboard
    views.router,  # issue 14: saved views
]

"""Assignments: leads staff analysts on (commitment, member) pairs, as a report is staffed.

An analyst's queue defaults to their assignments (see queue.assignment_scope). A member
of None means every member of the commitment.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.catalogue.index import CatalogueIndex
from triage.errors import Forbidden, InputError, NotFound
from triage.models import Assignment, User
from triage.policies import can


def _require_lead(user: User) -> None:
    if not can(user, "assign"):
        raise Forbidden(f"{user.username} may not assign work (leads and admins do)")


@dataclass
class AssignmentView:
    id: int
    user: str
    commitment: int
    commitment_title: str
    member: str | None  # member name, None for all members


def list_assignments(session: Session, index: CatalogueIndex, user_id: int | None = None) -> list[AssignmentView]:
    q = select(Assignment, User).join(User, User.id == Assignment.user_id)
    if user_id is not None:
        q = q.where(Assignment.user_id == user_id)
    out = []
    for a, u in session.exec(q):
        c = index.commitment_by_id(a.commitment_id)
        m = index.member_by_id(a.member_id) if a.member_id is not None else None
        out.append(AssignmentView(a.id, u.username, c.number if c else 0, c.title if c else "?", m.name if m else None))
    return sorted(out, key=lambda v: (v.user, v.commitment, v.member or ""))


def assign(session: Session, index: CatalogueIndex, *, lead: User, analyst: User, commitment: int, member: str | None) -> Assignment:
    _require_lead(lead)
    if not analyst.active:
        raise InputError(f"{analyst.username} is deactivated")
    found = index.resolve(commitment=commitment, member=member or None)
    c = found.commitment
    assert c is not None
    member_id = found.member.id if found.member is not None else None
    existing = session.exec(
        select(Assignment).where(Assignment.user_id == analyst.id, Assignment.commitment_id == c.id, Assignment.member_id == member_id)
    ).first()
    if existing is not None:
        return existing
    row = Assignment(user_id=analyst.id, commitment_id=c.id, member_id=member_id, assigned_by_id=lead.id)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        raise InputError(f"{analyst.username} is already assigned there") from None
    return row


def unassign(session: Session, *, lead: User, assignment_id: int) -> None:
    _require_lead(lead)
    row = session.get(Assignment, assignment_id)
    if row is None:
        raise NotFound(f"no assignment {assignment_id}")
    session.delete(row)


def reassign(session: Session, *, lead: User, source: User, target: User) -> int:
    """Hand all of one analyst's assignments to another (leave, illness, rebalancing)."""
    _require_lead(lead)
    if source.id == target.id:
        raise InputError("choose two different people")
    if not target.active:
        raise InputError(f"{target.username} is deactivated")
    theirs = {(a.commitment_id, a.member_id) for a in session.exec(select(Assignment).where(Assignment.user_id == target.id))}
    moved = 0
    for a in session.exec(select(Assignment).where(Assignment.user_id == source.id)).all():
        if (a.commitment_id, a.member_id) not in theirs:
            session.add(Assignment(user_id=target.id, commitment_id=a.commitment_id, member_id=a.member_id, assigned_by_id=lead.id))
            moved += 1
        session.delete(a)
    session.flush()
    return moved

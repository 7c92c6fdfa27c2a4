"""Leads staff analysts on (commitment, member) pairs and move work between them."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select

from triage.errors import InputError
from triage.models import User
from triage.review.assignments import assign, list_assignments, reassign, unassign
from triage.web import render
from triage.web.auth import Viewer, catalogue_index, current_viewer, flash, get_db, require
from triage.web.routes import protected
from triage.web.routes.common import Id

router = protected()


def _user(db: Session, raw) -> User:
    try:
        user = db.get(User, int(str(raw)))
    except ValueError:
        user = None
    if user is None:
        raise InputError(f"user: no user {raw!r}")
    return user


@router.get("/assignments")
def assignments_page(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "assign")
    index = catalogue_index(request, db)
    users = db.exec(select(User).where(User.active).order_by(User.username)).all()
    return render.page(request, "assignments.html", rows=list_assignments(db, index), users=users, index=index, notice=None)


@router.post("/assignments")
async def add_assignment(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "assign")
    form = await request.form()
    try:
        commitment = int(str(form.get("commitment") or ""))
    except ValueError:
        raise InputError("commitment: choose a commitment") from None
    index = catalogue_index(request, db)
    assign(db, index, lead=viewer.user, analyst=_user(db, form.get("user")), commitment=commitment, member=str(form.get("member") or "") or None)
    flash(db, viewer, "Done: assigned.")
    db.commit()
    return RedirectResponse("/assignments", status_code=303)


@router.post("/assignments/{assignment_id}/delete")
def remove_assignment(assignment_id: Id, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "assign")
    unassign(db, lead=viewer.user, assignment_id=assignment_id)
    flash(db, viewer, "Done: removed.")
    db.commit()
    return RedirectResponse("/assignments", status_code=303)


@router.post("/assignments/reassign")
async def move_assignments(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "assign")
    form = await request.form()
    reassign(db, lead=viewer.user, source=_user(db, form.get("from_user")), target=_user(db, form.get("to_user")))
    flash(db, viewer, "Done: reassigned.")
    db.commit()
    return RedirectResponse("/assignments", status_code=303)

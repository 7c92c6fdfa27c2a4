"""Admins: users (create, change role, deactivate); sources and the catalogue, read-only."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select

from triage.accounts import add_user, reset_password, set_active, set_role
from triage.errors import InputError, NotFound
from triage.models import ROLES, User
from triage.sources.health import health
from triage.web import render
from triage.web.auth import Viewer, catalogue_index, current_viewer, get_db, require
from triage.web.routes import protected
from triage.web.routes.common import Id

router = protected(prefix="/admin")


def _users_page(request, db, status_code=200, created=None, problems=None, reset=None):
    users = db.exec(select(User).order_by(User.username)).all()
    return render.page(
        request, "users.html", status_code=status_code, users=users, roles=ROLES, created=created, problems=problems or [], reset=reset
    )


@router.get("/users")
def users_page(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "manage")
    return _users_page(request, db)


@router.post("/users")
async def create(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "manage")
    form = await request.form()
    try:
        user, password = add_user(
            db,
            actor=viewer.user,
            username=str(form.get("username") or ""),
            role=str(form.get("role") or ""),
            password=str(form.get("password") or "") or None,
        )
        db.commit()
    except InputError as exc:
        db.rollback()
        return _users_page(request, db, 400, problems=[str(p) for p in exc.problems])
    # The password is shown once, on this response only; it is stored only as an argon2 hash.
    return _users_page(request, db, created={"username": user.username, "password": password})


def _target(db: Session, user_id: Id) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


@router.post("/users/{user_id}/role")
async def change_role(request: Request, user_id: Id, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "manage")
    form = await request.form()
    set_role(db, actor=viewer.user, user=_target(db, user_id), role=str(form.get("role") or ""))
    db.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.post("/users/{user_id}/active")
async def change_active(request: Request, user_id: Id, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "manage")
    form = await request.form()
    value = str(form.get("active") or "")
    if value not in ("yes", "no"):
        raise InputError("active: yes or no")
    set_active(db, actor=viewer.user, user=_target(db, user_id), active=value == "yes")
    db.commit()
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/sources")
def sources_page(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "manage")
    # The same health view as `triage feeds list`: status with its reason and since when, verification, note.
    return render.page(request, "sources.html", sources=health(db))


@router.get("/catalogue")
def catalogue_page(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "manage")
    return render.page(request, "catalogue.html", index=catalogue_index(request, db))


@router.post("/users/{user_id}/password")
def reset(request: Request, user_id: Id, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    """A temporary password, shown once on this response, to be changed at the user's next login."""
    require(viewer, "manage")
    target = _target(db, user_id)
    password = reset_password(db, actor=viewer.user, user=target)
    db.commit()
    return _users_page(request, db, reset={"username": target.username, "password": password})

"""Saved views: named filters per user (the query string of a queue or items page)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select

from triage.errors import InputError, NotFound, Problem
from triage.models import SavedView
from triage.review.itemlist import parse_item_filter
from triage.web.auth import Viewer, catalogue_index, current_viewer, flash, get_db, require
from triage.web.routes import protected
from triage.web.routes.common import Id, filter_from

router = protected(prefix="/views")
PAGES = {"queue": "/queue", "items": "/items"}
MAX_VIEWS = 50


def saved_views(db: Session, user_id: int | None, page: str) -> list[SavedView]:
    return list(db.exec(select(SavedView).where(SavedView.user_id == user_id, SavedView.page == page).order_by(SavedView.name)))


@router.post("")
async def save_view(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    form = await request.form()
    name, page, query = (str(form.get(k) or "").strip() for k in ("name", "page", "query"))
    problems = []
    if not name or len(name) > 80:
        problems.append(Problem("give the view a name (at most 80 characters)", field="name"))
    if page not in PAGES:
        problems.append(Problem("queue or items", field="page"))
    if len(query) > 2000:
        problems.append(Problem("too long", field="query"))
    if problems:
        raise InputError(problems)
    # The filter must parse now, so a saved view never opens on an error.
    if page == "queue":
        filter_from(request, catalogue_index(request, db), query)
    else:
        parse_item_filter(dict(parse_qsl(query)))
    if len(saved_views(db, viewer.user.id, page)) >= MAX_VIEWS:
        raise InputError(Problem(f"at most {MAX_VIEWS} saved views per page; delete one first", field="name"))
    existing = db.exec(select(SavedView).where(SavedView.user_id == viewer.user.id, SavedView.name == name)).first()
    user_id = viewer.user.id
    assert user_id is not None  # a logged-in user is a stored row
    view = existing or SavedView(user_id=user_id, name=name, page=page)
    view.page, view.query = page, query
    db.add(view)
    flash(db, viewer, f"Saved the view {name!r}.")
    db.commit()
    return RedirectResponse(PAGES[page] + (f"?{query}" if query else ""), status_code=303)


@router.post("/{view_id}/delete")
def delete_view(view_id: Id, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    view = db.get(SavedView, view_id)
    if view is None or view.user_id != viewer.user.id:
        raise NotFound(f"no saved view {view_id}")
    page = view.page
    db.delete(view)
    flash(db, viewer, f"Deleted the view {view.name!r}.")
    db.commit()
    return RedirectResponse(PAGES.get(page, "/queue"), status_code=303)

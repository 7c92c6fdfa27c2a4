"""Leads complete and edit commitments: one commitment's YAML in an editor, checked on save.

A problem in the edit is shown on the editor with its line and nothing is saved; a change
to scores where a final score is set is shown and saved only once the lead confirms.
"""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, col, select

from triage.catalogue.edit import commitment_yaml
from triage.errors import InputError, NotFound
from triage.models import CommitmentVersion, User
from triage.review.commitments import file_catalogue, save_commitment
from triage.web import render
from triage.web.auth import CATALOGUE_COOKIE, Viewer, catalogue_index, current_viewer, get_db, require
from triage.web.routes import protected
from triage.web.routes.common import Id

router = protected(prefix="/catalogue")


def _page(request: Request, db: Session, number: int, text: str | None = None, status_code: int = 200, **extra):
    index = catalogue_index(request, db)
    cat = file_catalogue(db, index)
    c = cat.commitment(number)
    if c is None:
        raise NotFound(f"no commitment {number} in catalogue {cat.id}")
    history = db.exec(
        select(CommitmentVersion, User)
        .join(User, col(User.id) == CommitmentVersion.user_id, isouter=True)
        .where(CommitmentVersion.catalogue_id == cat.id, CommitmentVersion.number == number)
        .order_by(col(CommitmentVersion.version).desc())
    ).all()
    context: dict[str, object] = {"problems": [], "result": None, "saved": request.query_params.get("saved")}
    context.update(extra)
    return render.page(
        request, "commitment_edit.html", status_code=status_code, index=index, c=c, text=text or commitment_yaml(c), history=history, **context
    )


@router.get("")
def commitments_page(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "score")
    return render.page(request, "catalogue.html", index=catalogue_index(request, db))


@router.get("/commitments/{number}")
def edit_page(request: Request, number: Id, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "score")
    return _page(request, db, number)


@router.post("/commitments/{number}")
async def save(request: Request, number: Id, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "score")
    form = await request.form()
    text = str(form.get("content") or "")
    confirm = form.get("confirm") == "yes"
    note = str(form.get("note") or "").strip() or None
    index = catalogue_index(request, db)
    if file_catalogue(db, index).commitment(number) is None:
        raise NotFound(f"no commitment {number} in catalogue {index.catalogue.id}")
    try:
        result = save_commitment(db, index, number=number, text=text, user=viewer.user, confirm=confirm, note=note)
    except InputError as exc:
        return _refused(request, db, viewer, number, text, 400, problems=exc.problems)
    if not result.saved:
        return _refused(request, db, viewer, number, text, 409, result=result)
    db.commit()
    request.app.state.index_cache.clear()  # the pages' catalogue now has the edit
    return RedirectResponse(f"/catalogue/commitments/{number}?saved={result.version}", status_code=303)


def _refused(request: Request, db: Session, viewer: Viewer, number: int, text: str, status_code: int, **extra):
    """Nothing of a refused edit is kept; the page is built after the rollback, with the viewer reloaded
    (a rollback expires every loaded row, and the page's navigation reads the viewer's role)."""
    db.rollback()
    db.refresh(viewer.user)
    return _page(request, db, number, text, status_code, **extra)


@router.get("/choose/{catalogue_id}")
def choose(request: Request, catalogue_id: str, viewer: Viewer = Depends(current_viewer)):
    """Work on another active catalogue: pages keep to it until another is chosen."""
    response = RedirectResponse("/queue", status_code=303)
    response.set_cookie(CATALOGUE_COOKIE, catalogue_id, httponly=True, samesite="lax")
    return response

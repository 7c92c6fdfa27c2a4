"""Your own account: change your password (also the page a temporary password leads to)."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from triage.accounts import change_own_password
from triage.errors import InputError
from triage.web import render
from triage.web.auth import Viewer, current_viewer, flash, get_db
from triage.web.routes import protected

router = protected(prefix="/account")


def _form(request: Request, viewer: Viewer, problems: list[str] | None = None, status_code: int = 200):
    return render.page(request, "account.html", status_code=status_code, problems=problems or [], required=viewer.user.must_change_password)


@router.get("/password")
def password_page(request: Request, viewer: Viewer = Depends(current_viewer)):
    return _form(request, viewer)


@router.post("/password")
async def change_password(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    form = await request.form()
    current, new, repeat = (str(form.get(k) or "") for k in ("current_password", "new_password", "repeat_password"))

    def work():
        try:
            user = db.merge(viewer.user)
            change_own_password(db, user=user, current=current, new=new, repeat=repeat, keep_session=viewer.session_id)
            flash(db, viewer, "Password changed. Your other sessions were logged out.")
            db.commit()
            return None
        except InputError as exc:
            db.rollback()
            return [str(p) for p in exc.problems]

    problems = await run_in_threadpool(work)
    if problems:
        return _form(request, viewer, problems, 400)
    return RedirectResponse("/queue", status_code=303)

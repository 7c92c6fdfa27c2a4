"""Evidence an analyst found elsewhere: a form that becomes an item and a suggestion."""

from __future__ import annotations

import datetime as dt

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from triage.errors import InputError
from triage.review.manual import ManualEvidence, add_evidence
from triage.web import render
from triage.web.auth import Viewer, catalogue_index, current_viewer, get_db, require
from triage.web.routes import protected

router = protected()

FIELDS = (
    "url",
    "title",
    "publisher",
    "published",
    "language",
    "text",
    "member",
    "commitment",
    "dimension",
    "strength",
    "quote",
    "action_date",
    "rationale",
)


def _form_page(request, db, values: dict, problems: list[str] | None = None, status_code: int = 200):
    index = catalogue_index(request, db)
    return render.page(request, "evidence.html", status_code=status_code, values=values, problems=problems or [], index=index)


@router.get("/evidence/new")
def new_evidence(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    return _form_page(request, db, {k: "" for k in FIELDS})


def _parse(values: dict) -> ManualEvidence:
    problems = []

    def date(name, required):
        raw = values[name].strip()
        if not raw:
            if required:
                problems.append(f"{name}: required (YYYY-MM-DD)")
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            problems.append(f"{name}: {raw!r} is not a date (YYYY-MM-DD)")
            return None

    published, action_date = date("published", True), date("action_date", False)
    try:
        commitment = int(values["commitment"])
    except ValueError:
        problems.append("commitment: choose a commitment")
        commitment = 0
    if problems:
        raise InputError(problems)
    return ManualEvidence(
        url=values["url"],
        title=values["title"],
        publisher=values["publisher"],
        published=published,
        text=values["text"],
        member=values["member"],
        commitment=commitment,
        dimension=values["dimension"],
        strength=values["strength"],
        quote=values["quote"],
        action_date=action_date,
        rationale=values["rationale"],
        language=values["language"].strip() or None,
    )


@router.post("/evidence")
async def create_evidence(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    form = await request.form()
    values = {k: str(form.get(k) or "") for k in FIELDS}

    def work():
        try:
            evidence = _parse(values)
            index = catalogue_index(request, db)
            _item, suggestion = add_evidence(db, index, viewer.user, evidence)
            db.commit()
            request.app.state.counts_cache.invalidate()
            return suggestion.id, None
        except InputError as exc:
            db.rollback()
            return None, [str(p) for p in exc.problems]

    suggestion_id, problems = await run_in_threadpool(work)
    if problems:
        return await run_in_threadpool(_form_page, request, db, values, problems, 400)
    return RedirectResponse(f"/review/{suggestion_id}?status=all", status_code=303)

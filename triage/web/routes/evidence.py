"""Evidence an analyst found elsewhere: a form that becomes an item and a suggestion."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from triage.errors import InputError, NotFound
from triage.models import Item, Suggestion
from triage.review import queue as q
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
    "item",
)


def _form_page(request, db, values: dict, problems: list[str] | None = None, status_code: int = 200):
    index = catalogue_index(request, db)
    return render.page(request, "evidence.html", status_code=status_code, values=values, problems=problems or [], index=index)


@router.get("/evidence/new")
def new_evidence(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    values = {k: "" for k in FIELDS}
    raw = request.query_params.get("item")
    if raw:  # "Propose as evidence" from an item page: its fields, filled in
        item_id = q._number({"item": raw}, "item", int)
        item = db.get(Item, item_id)
        if item is None:
            raise NotFound(f"no item {item_id}")
        first = db.exec(select(Suggestion).where(Suggestion.item_id == item.id).order_by(Suggestion.confidence.desc())).first()
        index = catalogue_index(request, db)
        values |= {
            "item": str(item.id),
            "url": item.url or "",
            "title": item.title,
            "publisher": item.publisher or "",
            "published": item.published_at.date().isoformat() if item.published_at else "",
            "language": item.language or "",
            "text": item.text,
        }
        if first is not None:  # start from the strongest machine reading of the item, if any
            member, commitment, dimension = (
                index.member_by_id(first.member_id),
                index.commitment_by_id(first.commitment_id),
                index.dimension_by_id(first.dimension_id),
            )
            values |= {
                "member": member.key if member else "",
                "commitment": str(commitment.number) if commitment else "",
                "dimension": dimension.key if dimension else "",
                "strength": first.strength,
                "quote": first.quote,
            }
    return _form_page(request, db, values)


def _parse(values: dict) -> ManualEvidence:
    problems = []

    def date(name, required):
        raw = values[name].strip()
        if not raw:
            if required:
                problems.append(f"{name}: required (YYYY-MM-DD)")
            return None
        try:
            return q._date({name: raw}, name)
        except InputError as exc:
            problems.extend(str(p) for p in exc.problems)
            return None

    published, action_date = date("published", True), date("action_date", False)
    item_id = None
    if values["item"].strip():
        try:
            item_id = q._number({"item": values["item"]}, "item", int)
        except InputError as exc:
            problems += [str(p) for p in exc.problems]
    try:
        commitment = q._number({"commitment": values["commitment"]}, "commitment", int) or 0
    except InputError:
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
        item_id=item_id,
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
            _item, suggestion = add_evidence(db, index, user=viewer.user, evidence=evidence)
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

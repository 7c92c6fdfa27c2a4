"""The item view and the decisions taken there: accept, reject, edit then accept, note, undo."""

from __future__ import annotations

import re

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.load import load_catalogue
from triage.classify.rules.explain import explain_item
from triage.errors import InputError, NotFound, Problem
from triage.models import Suggestion, User
from triage.review import queue as q
from triage.review.decisions import DecisionConflict, Edit, decide, undo_last_action
from triage.review.story import load_story
from triage.web import render
from triage.web.auth import Viewer, catalogue_index, current_viewer, flash, get_db, require, settings_of
from triage.web.routes import protected
from triage.web.routes.common import Id, filter_from, labels

router = protected()


def guidance(request: Request, index: CatalogueIndex) -> dict:
    """Commitment-level guidance (strong/weak/contradictory, definitions, exclusions) lives only
    in the catalogue file; read it once. Dimension examples come from the database."""
    cache = request.app.state.guidance_cache
    path = settings_of(request).catalogue
    if path not in cache:
        try:
            cat = load_catalogue(path)
            cache[path] = {c.number: c for c in cat.commitments} if cat.id == index.catalogue.id else {}
        except Exception:  # a missing or changed file must not take the item view down
            cache[path] = {}
    return cache[path]


def _review_url(suggestion_id: int | None, f: q.QueueFilter) -> str | None:
    return None if suggestion_id is None else f"/review/{suggestion_id}{render.query(f.params())}"


def _page(request, db, viewer, item_id, focus: Suggestion | None, f, status_code=200, conflict=None):
    index = catalogue_index(request, db)
    story = load_story(db, item_id)
    prev_id = next_id = None
    if focus is not None:
        prev_id, next_id = q.neighbours(db, index, f, viewer.user.id, focus.id)
    focused = next((v for v in story.suggestions if focus is not None and v.suggestion.id == focus.id), None)
    commitment = index.commitment_by_id((focused.state if focused else story.suggestions[0].state).commitment_id) if story.suggestions else None
    return render.page(
        request,
        "review.html",
        status_code=status_code,
        story=story,
        item=story.item,
        focused=focused,
        commitment=commitment,
        commitment_dimensions=index.dimensions_of(commitment) if commitment else [],
        guide=guidance(request, index).get(commitment.number) if commitment else None,
        f=f,
        params=f.params(),
        prev_url=_review_url(prev_id, f),
        next_url=_review_url(next_id, f),
        conflict=conflict,
        index=index,
        cue_matches=[] if story.item.gist_en else explain_item(settings_of(request), story.item),  # no LLM gist: the rules' cues, in English
        **labels(index),
    )


@router.get("/review/{suggestion_id}")
def review_page(request: Request, suggestion_id: Id, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    f = filter_from(request, catalogue_index(request, db))
    suggestion = db.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(f"no suggestion {suggestion_id}")
    return _page(request, db, viewer, suggestion.item_id, suggestion, f)


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: Id, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    f = filter_from(request, catalogue_index(request, db))
    return _page(request, db, viewer, item_id, None, f)


def _int(form, name: str, required: bool = True) -> int | None:
    raw = str(form.get(name) or "").strip()
    if not raw:
        if required:
            raise InputError(f"{name}: required")
        return None
    return q._number({name: raw}, name, int)


def _edit_from(form) -> Edit:
    def text(name):
        value = form.get(name)
        return None if value is None or str(value).strip() == "" else str(value).strip()

    action_date = text("action_date")
    if action_date is not None:
        action_date = q._date({"action_date": action_date}, "action_date")
    contradictory = text("contradictory")
    if contradictory not in (None, "yes", "no"):
        raise InputError("contradictory: yes or no")
    quote = form.get("quote")
    return Edit(
        member=text("member"),
        commitment=_int(form, "commitment", required=False),
        dimension=text("dimension"),
        strength=text("strength"),
        contradictory=None if contradictory is None else contradictory == "yes",
        action_date=action_date,
        quote=None if quote is None else str(quote),
    )


def _state_json(index: CatalogueIndex, state) -> dict:
    return state.readable(index)


@router.post("/suggestions/{suggestion_id}/decide")
async def decide_route(request: Request, suggestion_id: Id, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    form = await request.form()
    action = str(form.get("action") or "")
    if action not in ("accept", "reject", "edit", "note"):
        raise InputError("action: accept, reject, edit or note")
    version = _int(form, "version", required=action != "note")
    edit = _edit_from(form) if action == "edit" else None
    reason = str(form.get("reason") or "") or None
    # Which codes a catalogue allows is the service's check (reasons come from the catalogue); here only the shape.
    if reason is not None and not re.fullmatch(r"[a-z0-9_]{1,40}", reason):
        raise InputError(Problem(f"{reason[:40]!r} is not a reason code", field="reason"))

    def work():
        index = catalogue_index(request, db)
        f = filter_from(request, index, str(form.get("back") or ""))  # checked before anything is applied
        try:
            decision = decide(
                db,
                index,
                suggestion_id=suggestion_id,
                user=viewer.user,
                action=action,
                version=version,
                reason=reason,
                note=str(form.get("note") or ""),
                edit=edit,
            )
            db.commit()
            request.app.state.counts_cache.invalidate()
        except DecisionConflict as exc:
            db.rollback()
            return index, f, None, exc
        return index, f, decision, None

    index, f, decision, conflict = await run_in_threadpool(work)
    here = _review_url(suggestion_id, f)
    if conflict is not None:
        last_by = db.get(User, conflict.last.user_id).username if conflict.last else None
        if render.wants_json(request):
            return JSONResponse(
                {
                    "error": "conflict",
                    "message": str(conflict),
                    "current": _state_json(index, conflict.state),
                    "version": conflict.suggestion.version,
                    "last": None
                    if conflict.last is None
                    else {
                        "action": conflict.last.action,
                        "by": last_by,
                        "at": conflict.last.created_at.isoformat(),
                        "reason": conflict.last.reason,
                    },
                    "url": here,
                },
                status_code=409,
            )
        return await run_in_threadpool(
            _page, request, db, viewer, conflict.suggestion.item_id, conflict.suggestion, f, 409, {"message": str(conflict), "by": last_by}
        )
    if render.wants_json(request):
        # The page's script already holds (and has prefetched) the next suggestion, so no
        # neighbour lookup here: a decision costs only the decision.
        return JSONResponse({"ok": True, "action": decision.action, "status": decision.status_after, "decision": decision.id, "url": here})
    next_url = None
    if decision.action != "note":
        _prev, next_id = await run_in_threadpool(q.neighbours, db, index, f, viewer.user.id, suggestion_id)
        next_url = _review_url(next_id, f)
    return RedirectResponse(next_url or here, status_code=303)


@router.post("/undo")
async def undo(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    form = await request.form()

    def work():
        index = catalogue_index(request, db)
        f = filter_from(request, index, str(form.get("back") or ""))  # a bad field refuses before the undo
        undone = undo_last_action(db, index, user=viewer.user)
        if len(undone) > 1:
            flash(db, viewer, f"Undone: {len(undone)} suggestions of that bulk action are {undone[-1].status_after} again.")
        db.commit()
        request.app.state.counts_cache.invalidate()
        return f, undone

    f, undone = await run_in_threadpool(work)
    decision = undone[-1]
    if len(undone) > 1:  # a bulk action: back to the queue it was taken in
        url = "/queue" + render.query(f.params())
    else:
        url = _review_url(decision.suggestion_id, f)
    if render.wants_json(request):
        return JSONResponse(
            {
                "ok": True,
                "undone": decision.after.get("undoes"),
                "count": len(undone),
                "suggestions": [d.suggestion_id for d in undone],
                "suggestion": decision.suggestion_id,
                "status": decision.status_after,
                "url": url,
            }
        )
    return RedirectResponse(url, status_code=303)

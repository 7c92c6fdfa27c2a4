"""The queue: filters, counts, keyset pages; bulk reject of a selection."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from triage.catalogue.reasons import allowed_codes, reasons_for
from triage.errors import Conflict, InputError, Problem
from triage.models import SUGGESTION_STATES
from triage.review import queue as q
from triage.review.decisions import bulk_reject
from triage.web import render
from triage.web.auth import Viewer, catalogue_index, current_viewer, flash, get_db, require, settings_of
from triage.web.routes import protected
from triage.web.routes.common import filter_choices, filter_from, labels
from triage.web.routes.views import saved_views

router = protected()


@router.get("/")
def home():
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue_page(request: Request, after: str | None = None, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    index = catalogue_index(request, db)
    f = filter_from(request, index)
    group = q._choice(request.query_params, "group", ("suggestion", "item"), "suggestion")
    size = settings_of(request).web_page_size
    grouped = q.grouped_page(db, index, f, viewer.user.id, after=after, limit=max(5, size // 2)) if group == "item" else None
    result = grouped or q.page(db, index, f, viewer.user.id, after=after, limit=size)
    counts = q.counts(db, index, f, viewer.user.id, result.scope, cache=request.app.state.counts_cache)
    notice = None  # banners come from the session's flash (auth.flash), never from the URL
    return render.page(
        request,
        "queue.html",
        f=f,
        params=f.params(),
        page=result,
        grouped=grouped,
        group=group,
        views=saved_views(db, viewer.user.id, "queue"),
        view_page="queue",
        view_query=render.query({**f.params(), **({"group": "item"} if group == "item" else {})})[1:],
        counts=counts,
        after=after,
        statuses=SUGGESTION_STATES,
        notice=notice,
        index=index,
        **labels(index),
        **filter_choices(request, db),
    )


@router.get("/api/queue")
def queue_json(request: Request, after: str | None = None, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    index = catalogue_index(request, db)
    f = filter_from(request, index)
    result = q.page(db, index, f, viewer.user.id, after=after, limit=settings_of(request).web_page_size)
    names = labels(index)
    rows = [
        {
            "id": r.id,
            "version": r.version,
            "status": r.status,
            "confidence": r.confidence,
            "member": names["members"].get(r.member_id),
            "commitment": names["commitments"][r.commitment_id].number,
            "dimension": names["dimensions"][r.dimension_id].key,
            "strength": r.strength,
            "quote_verified": r.quote_verified,
            "flags": r.flags,
            "item_id": r.item_id,
            "title": r.title,
            "published_at": r.published_at.isoformat() if r.published_at else None,
        }
        for r in result.rows
    ]
    return JSONResponse({"rows": rows, "next": result.next_cursor})


@router.post("/bulk-reject")
async def bulk(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    form = await request.form()
    reason = str(form.get("reason") or "")
    note = str(form.get("note") or "").strip() or None
    # Check everything before touching anything: a bad field rejects the whole request.
    index = catalogue_index(request, db)
    if reason not in allowed_codes(index):
        raise InputError(f"reason: choose one of {', '.join(r.code for r in reasons_for(index))}")
    if reason == "other" and not note:
        raise InputError("note: reason 'other' needs a note saying why")
    selection = []
    for raw in form.getlist("sel"):
        try:
            sid, version = (int(x) for x in str(raw).split(":"))
        except ValueError:
            raise InputError(Problem(f"{str(raw)[:40]!r} is not suggestion:version", field="sel")) from None
        if not (0 <= sid <= q.MAX_ID and 0 <= version <= q.MAX_ID):
            raise InputError(Problem(f"{str(raw)[:40]!r} is out of range", field="sel"))
        selection.append((sid, version))
    confirmed = q._number({"all": str(form.get("all") or "")}, "all", int)  # "select all matching": the count confirmed
    if not selection and confirmed is None:
        raise InputError("sel: select at least one suggestion (x)")

    def work():
        index = catalogue_index(request, db)
        f = filter_from(request, index, str(form.get("back") or ""))  # refused before anything is applied
        chosen = selection
        if confirmed is not None:
            chosen = q.matching(db, index, f, viewer.user.id)
            if len(chosen) != confirmed:
                raise Conflict(f"the filter now matches {len(chosen)} suggestions, not the {confirmed} you confirmed; nothing was rejected")
        result = bulk_reject(db, index, user=viewer.user, selection=chosen, reason=reason, note=note)
        text = f"Rejected {len(result.decided)}; {len(result.conflicts)} had changed meanwhile and were left alone."
        flash(db, viewer, text, "ok" if not result.conflicts else "problem")
        db.commit()
        request.app.state.counts_cache.invalidate()
        return f, result

    f, result = await run_in_threadpool(work)
    if render.wants_json(request):
        return JSONResponse({"decided": result.decided, "conflicts": result.conflicts})
    return RedirectResponse("/queue" + render.query(f.params()), status_code=303)

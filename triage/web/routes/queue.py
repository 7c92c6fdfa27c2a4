"""The queue: filters, counts, keyset pages; bulk reject of a selection."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from triage.catalogue.reasons import allowed_codes, reasons_for
from triage.errors import InputError
from triage.models import SUGGESTION_STATES
from triage.review import queue as q
from triage.review.decisions import bulk_reject
from triage.web import render
from triage.web.auth import Viewer, catalogue_index, current_viewer, get_db, require, settings_of
from triage.web.routes import protected
from triage.web.routes.common import filter_choices, filter_from, labels

router = protected()


@router.get("/")
def home():
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue")
def queue_page(request: Request, after: str | None = None, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    index = catalogue_index(request, db)
    f = filter_from(request, index)
    result = q.page(db, index, f, viewer.user.id, after=after, limit=settings_of(request).web_page_size)
    counts = q.counts(db, index, f, viewer.user.id, result.scope, cache=request.app.state.counts_cache)
    notice = None
    if request.query_params.get("notice") == "bulk":
        notice = f"Rejected {request.query_params.get('n', '0')}; {request.query_params.get('c', '0')} had changed meanwhile and were left alone."
    return render.page(
        request,
        "queue.html",
        f=f,
        params=f.params(),
        page=result,
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
            raise InputError(f"sel: {raw!r} is not suggestion:version") from None
        selection.append((sid, version))
    if not selection:
        raise InputError("sel: select at least one suggestion (x)")

    def work():
        index = catalogue_index(request, db)
        result = bulk_reject(db, index, viewer.user, selection, reason, note)
        db.commit()
        request.app.state.counts_cache.invalidate()
        return index, result

    index, result = await run_in_threadpool(work)
    if render.wants_json(request):
        return JSONResponse({"decided": result.decided, "conflicts": result.conflicts})
    f = filter_from(request, index, str(form.get("back") or ""))
    return RedirectResponse("/queue" + render.query(f.params(), notice="bulk", n=len(result.decided), c=len(result.conflicts)), status_code=303)

"""The Items view and search: every item whatever its state, found by its words."""

from __future__ import annotations

from fastapi import Depends, Request
from sqlmodel import Session

from triage.review.itemlist import list_items, parse_item_filter
from triage.vocab import ItemState
from triage.web import render
from triage.web.auth import Viewer, current_viewer, get_db, require
from triage.web.routes import protected
from triage.web.routes.common import filter_choices
from triage.web.routes.views import saved_views

router = protected()

STATE_LABELS = {
    ItemState.NEW: "new: not looked at yet",
    ItemState.NOT_CANDIDATE: "not a candidate: no commitment's words in it",
    ItemState.CANDIDATE: "candidate: waiting for the classifier",
    ItemState.CLASSIFIED: "classified: has suggestions",
    ItemState.NOT_RELEVANT: "not relevant: the classifier found no evidence",
    ItemState.FAILED: "failed",
}


@router.get("/items")
def items_page(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    f = parse_item_filter(request.query_params)
    result = list_items(db, f)
    return render.page(
        request,
        "items.html",
        f=f,
        params=f.params(),
        result=result,
        states=list(ItemState),
        state_labels=STATE_LABELS,
        views=saved_views(db, viewer.user.id, "items"),
        view_page="items",
        view_query=render.query(f.params(page=1))[1:],
        **filter_choices(request, db),
    )

"""The leads' dashboard: progress per analyst, commitment and member, and coverage gaps."""

from __future__ import annotations

from fastapi import Depends, Request
from sqlmodel import Session

from triage.review.coverage import coverage, progress
from triage.web import render
from triage.web.auth import Viewer, catalogue_index, current_viewer, get_db, require, settings_of
from triage.web.routes import protected

router = protected()


@router.get("/progress")
def progress_page(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "assign")
    index = catalogue_index(request, db)
    return render.page(
        request,
        "progress.html",
        progress=progress(db, index),
        coverage=coverage(db, index, span_days=settings_of(request).coverage_gap_days),
    )

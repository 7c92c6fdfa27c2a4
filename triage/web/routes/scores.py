"""The scores dashboard (issue 6): the member x commitment matrix, a cell's evidence and its
final score, the evidence plot, and the exports as downloads.

Thin over the scoring and export services: `dashboard()` gives everything the page shows,
`evidence_rows()` a cell's evidence, `set_final()` checks the role and the justification,
and `export_*()` build the files. These routes only read forms and pick templates.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool

from triage.catalogue.index import CatalogueIndex
from triage.errors import Conflict, InputError, NotFound
from triage.export.citation import citation
from triage.export.files import ExportFile, export_evidence, export_report, export_scores
from triage.export.plots import evidence_plot
from triage.imports.evidence import partial_date
from triage.models import User
from triage.policies import can
from triage.review import cited
from triage.scoring.accepted import evidence_rows
from triage.scoring.final import current_version, history, set_final
from triage.scoring.matrix import dashboard, evidence_timeline, load_matrix
from triage.web import render
from triage.web.auth import Viewer, catalogue_index, current_viewer, get_db, require
from triage.web.routes import protected

router = protected(prefix="/scores")

# The score form's choices, in the order the page offers them ("" is "not assessed").
SCORE_CHOICES = [("1", "+1"), ("0", "0"), ("-1", "-1"), ("n/a", "Not assessed")]


# --- the dashboard ------------------------------------------------------------------------------


@router.get("")
def scores_page(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    index = catalogue_index(request, db)
    board = dashboard(db, index)
    # Per-commitment downloads and evidence counts only where there is something to show.
    active = [c for c in board.matrix.commitments if c.complete or any(board.matrix.cell(c.number, k).evidence for k, _ in board.matrix.members)]
    return render.page(request, "scores.html", board=board, m=board.matrix, avg=board.averages, active=active)


@router.get("/plot.svg")
def plot(request: Request, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    """The accepted-evidence plot as an image of this app (the page never inlines the SVG)."""
    require(viewer, "review")
    index = catalogue_index(request, db)
    evidence = evidence_rows(db, index)
    timeline = evidence_timeline(load_matrix(db, index, evidence), evidence)
    return Response(evidence_plot(timeline, "svg"), media_type="image/svg+xml")


# --- downloads ----------------------------------------------------------------------------------


def _download(f: ExportFile) -> Response:
    # filename* carries any non-ASCII name; the plain filename is the ASCII fallback.
    ascii_name = f.filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(f.filename)}"
    data = f.data if isinstance(f.data, bytes) else f.data.encode("utf-8")
    return Response(data, media_type=f.media_type, headers={"Content-Disposition": disposition})


def _commitment_param(request: Request) -> int | None:
    raw = (request.query_params.get("commitment") or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise InputError(f"commitment: {raw!r} is not a commitment number") from None


@router.get("/export/scores.{fmt}")
def download_scores(request: Request, fmt: str, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    return _download(export_scores(db, catalogue_index(request, db), fmt=fmt))


@router.get("/export/evidence.{fmt}")
def download_evidence(request: Request, fmt: str, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    return _download(export_evidence(db, catalogue_index(request, db), fmt=fmt, commitment=_commitment_param(request)))


@router.get("/export/report.{fmt}")
def download_report(request: Request, fmt: str, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    return _download(export_report(db, catalogue_index(request, db), fmt=fmt, commitment=_commitment_param(request)))


# --- a cell: its evidence and its final score ---------------------------------------------------


def _pair(index: CatalogueIndex, commitment: int, member: str):
    c, m = index.commitment(commitment), index.member(member)
    if c is None or m is None:
        raise NotFound(f"no cell for commitment {commitment} and member {member!r}")
    return c, m


def _cell_page(
    request: Request,
    db: Session,
    viewer: Viewer,
    commitment: int,
    member: str,
    status_code: int = 200,
    problems: list[str] | None = None,
    values: dict | None = None,
    notice: str | None = None,
):
    index = catalogue_index(request, db)
    c, m = _pair(index, commitment, member)
    rows = evidence_rows(db, index, c.number, m.key)
    # Date order, as the report prints them; undated evidence last.
    rows.sort(key=lambda e: (e.date is None, e.date or dt.date.min, e.decided_at))
    matrix = load_matrix(db, index, rows)
    cell = matrix.cell(c.number, m.key)
    trail = history(db, index, c.number, m.key)
    ids = {t.user_id for t in trail if t.user_id}
    names = {u.id: u.username for u in db.exec(select(User).where(User.id.in_(ids)))} if ids else {}
    current = "n/a" if cell.final_set and cell.final is None else ("" if not cell.final_set else str(cell.final))
    values = values or {"score": current or ("" if cell.suggested is None else str(cell.suggested)), "justification": cell.justification or ""}
    return render.page(
        request,
        "score_cell.html",
        status_code=status_code,
        info=matrix.commitment(c.number),
        cell=cell,
        matrix=matrix,
        rows=rows,
        trail=trail,
        names=names,
        may_score=can(viewer.user, "score"),
        choices=SCORE_CHOICES,
        values=values,
        problems=problems or [],
        notice=notice,
        seen=current_version(db, index, c.number, m.key),
        citation=citation,
    )


@router.get("/{commitment:int}/{member}")
def cell_page(request: Request, commitment: int, member: str, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "review")
    notice = {
        "set": "Final score saved.",
        "same": "Nothing changed: that is already the final score.",
        "cited": "Citation corrected; the earlier version is kept in the audit trail.",
    }.get(request.query_params.get("notice", ""))
    return _cell_page(request, db, viewer, commitment, member, notice=notice)


@router.post("/{commitment:int}/{member}")
async def set_cell(request: Request, commitment: int, member: str, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    require(viewer, "score")  # analysts: 403 before the form is read
    form = await request.form()
    values = {"score": str(form.get("score") or "").strip(), "justification": str(form.get("justification") or "")}

    def work():
        index = catalogue_index(request, db)
        c, m = _pair(index, commitment, member)
        if values["score"] == "":
            return 400, ["score: choose +1, 0, -1 or not assessed"], None
        try:
            seen = int(str(form.get("seen") or "0"))
        except ValueError:
            return 400, ["seen: not a version number; reload the page"], None
        # Two leads on one cell: the service's compare-and-swap tells the second, who sees the first's change.
        try:
            change = set_final(
                db,
                index,
                commitment=c.number,
                member=m.key,
                score=values["score"],
                user=viewer.user,
                justification=values["justification"],
                version=seen,
            )
        except Conflict as exc:
            db.rollback()
            return 409, [f"{exc} Here is the current state."], None
        except InputError as exc:
            db.rollback()
            return 400, [str(p) for p in exc.problems], None
        db.commit()
        return 303, [], f"/scores/{c.number}/{m.key}?notice={'set' if change.changed else 'same'}"

    status, problems, target = await run_in_threadpool(work)
    if target:
        return RedirectResponse(target, status_code=303)
    return await run_in_threadpool(_cell_page, request, db, viewer, commitment, member, status, problems, values if status == 400 else None)


# Fields of the correction form, as `triage.review.cited.correct` names them; blank is "unchanged".
CITATION_FIELDS = ("title", "publisher", "city", "url")


@router.post("/{commitment:int}/{member}/citation")
async def correct_citation(request: Request, commitment: int, member: str, viewer: Viewer = Depends(current_viewer), db: Session = Depends(get_db)):
    """An analyst corrects a piece of evidence's citation (audited: a new version, the old one kept)."""
    require(viewer, "review")
    form = await request.form()

    def work():
        index = catalogue_index(request, db)
        c, m = _pair(index, commitment, member)
        key = str(form.get("key") or "")
        if not (key.startswith("s:") or key.startswith("x:")):
            return 400, ["key: not a piece of evidence"], None
        changes: dict = {}
        for name in CITATION_FIELDS:
            value = str(form.get(name) or "").strip()
            if value:
                changes[name] = value
        try:
            if str(form.get("date") or "").strip():
                changes["date"], changes["precision"] = partial_date(str(form.get("date")).strip())
            if str(form.get("accessed") or "").strip():
                changes["accessed"] = dt.date.fromisoformat(str(form.get("accessed")).strip())
        except ValueError as exc:
            return 400, [f"date: {exc}"], None
        try:
            cited.correct(db, key=key, user=viewer.user, note=str(form.get("note") or ""), **changes)
        except InputError as exc:
            db.rollback()
            return 400, [str(p) for p in exc.problems], None
        db.commit()
        return 303, [], f"/scores/{c.number}/{m.key}?notice=cited"

    status, problems, target = await run_in_threadpool(work)
    if target:
        return RedirectResponse(target, status_code=303)
    return await run_in_threadpool(_cell_page, request, db, viewer, commitment, member, status, problems)

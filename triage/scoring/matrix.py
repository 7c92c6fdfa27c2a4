"""The member x commitment matrix and everything the dashboard shows, as plain data.

`dashboard()` answers one request of the dashboard page: the matrix of suggested and
final scores, averages as the reports print them, evidence counts by dimension and
strength, the review backlog and the evidence timeline. The exports read the same
structures, so the page, the files and the report draft always agree.

Which score counts: a cell's *score* is the lead's final score once one has been set
(even when it was set to "not assessed"), otherwise the suggested score. A final score
is "set" when a lead or an import recorded it (`Score.set_at`), which is how a cell
deliberately left empty in a published table stays out of the averages.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from sqlalchemy import func
from sqlmodel import Session, select

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import format_score
from triage.models import Score, Suggestion, User
from triage.scoring.accepted import EvidenceRow, evidence_rows
from triage.scoring.aggregate import Summary, format_average, format_percent, percent, printed, summarise

Kind = Literal["score", "suggested", "final"]


@dataclass
class CommitmentInfo:
    number: int
    area: str
    title: str
    complete: bool
    dimensions: list[tuple[str, str]]  # (key, name) in catalogue order


@dataclass
class Cell:
    commitment: int
    member: str  # key
    member_name: str
    suggested: int | None = None
    explanation: str | None = None
    final: int | None = None
    final_set: bool = False
    justification: str | None = None
    set_by: str | None = None
    set_at: dt.datetime | None = None
    origin: str | None = None
    evidence: int = 0  # accepted pieces (one per dimension)
    version: int = 0  # the final score's compare-and-swap version (scoring.final)

    @property
    def score(self) -> int | None:
        return self.final if self.final_set else self.suggested

    @property
    def differs(self) -> bool:
        """A final score other than the suggestion (the justification says why)."""
        return self.final_set and self.final != self.suggested

    def value(self, kind: Kind) -> int | None:
        if kind == "suggested":
            return self.suggested
        if kind == "final":
            return self.final if self.final_set else None
        return self.score


@dataclass
class Averages:
    """A Summary with the reports' printing: '+0.38', '69%', '+0.38 (69%)'."""

    summary: Summary

    def member(self, key: str) -> Fraction | None:
        return self.summary.by_member.get(key)

    def commitment(self, number: int) -> Fraction | None:
        return self.summary.by_commitment.get(number)

    @property
    def overall(self) -> Fraction | None:
        return self.summary.overall

    @staticmethod
    def printed(value: Fraction | None) -> str:
        return printed(value)

    def as_json(self) -> dict:
        def one(v):
            return {"value": float(v) if v is not None else None, "printed": format_average(v), "percent": percent(v)}

        return {
            "by_member": {k: one(v) for k, v in self.summary.by_member.items()},
            "by_commitment": {str(k): one(v) for k, v in self.summary.by_commitment.items()},
            "overall": one(self.summary.overall),
            "cells": self.summary.cells,
        }


@dataclass
class Matrix:
    catalogue_id: str
    title: str
    period: tuple[dt.date, dt.date]
    scale: dict[int, str]
    members: list[tuple[str, str]]  # (key, name) in catalogue order
    commitments: list[CommitmentInfo]
    cells: dict[tuple[int, str], Cell]

    def cell(self, number: int, member: str) -> Cell:
        return self.cells[(number, member)]

    def commitment(self, number: int) -> CommitmentInfo | None:
        return next((c for c in self.commitments if c.number == number), None)

    def member_name(self, key: str) -> str:
        return dict(self.members).get(key, key)

    def table(self, kind: Kind = "score") -> dict[tuple[int, str], int | None]:
        return {k: c.value(kind) for k, c in self.cells.items()}

    def averages(self, kind: Kind = "score", commitments: list[int] | None = None) -> Averages:
        numbers = commitments if commitments is not None else [c.number for c in self.commitments]
        return Averages(summarise(self.table(kind), [k for k, _ in self.members], numbers))

    def label(self, score: int | None) -> str:
        return "Not assessed" if score is None else self.scale.get(score, format_score(score))


def load_matrix(session: Session, index: CatalogueIndex, evidence: list[EvidenceRow] | None = None) -> Matrix:
    members = [(m.key, m.name) for m in index.members]
    commitments = [
        CommitmentInfo(c.number, c.area, c.title, c.complete, [(d.key, d.name) for d in index.dimensions_of(c)]) for c in index.commitments
    ]
    cells = {(c.number, key): Cell(c.number, key, name) for c in commitments for key, name in members}
    ids = [c.id for c in index.commitments]
    rows = list(session.exec(select(Score).where(Score.commitment_id.in_(ids)))) if ids else []
    setters = {r.set_by_id for r in rows if r.set_by_id}
    users = {u.id: u.username for u in session.exec(select(User).where(User.id.in_(setters)))} if setters else {}
    for r in rows:
        c, m = index.commitment_by_id(r.commitment_id), index.member_by_id(r.member_id)
        if c is None or m is None:
            continue
        cell = cells[(c.number, m.key)]
        cell.suggested, cell.explanation = (r.suggested, r.explanation) if c.complete else (None, r.explanation)
        cell.final, cell.final_set = r.final, r.set_at is not None
        cell.justification, cell.set_by, cell.set_at, cell.origin = r.justification, users.get(r.set_by_id), r.set_at, r.origin
        cell.version = r.version
    for e in evidence if evidence is not None else evidence_rows(session, index):
        if (e.commitment, e.member) in cells:
            cells[(e.commitment, e.member)].evidence += 1
    return Matrix(index.catalogue.id, index.catalogue.title, index.period, index.scale, members, commitments, cells)


# --- evidence counts, backlog, timeline ------------------------------------------------------


@dataclass
class DimensionCount:
    commitment: int
    dimension: str
    name: str
    strong: int = 0
    weak: int = 0
    contradictory: int = 0
    by_member: dict[str, dict[str, int]] = field(default_factory=dict)  # member key -> {strength: n}


def evidence_counts(matrix: Matrix, evidence: list[EvidenceRow]) -> dict[int, list[DimensionCount]]:
    """Per commitment, per dimension (catalogue order): accepted pieces by strength."""
    out: dict[int, list[DimensionCount]] = {}
    for c in matrix.commitments:
        out[c.number] = [DimensionCount(c.number, key, name) for key, name in c.dimensions]
    for e in evidence:
        row = next((d for d in out.get(e.commitment, []) if d.dimension == e.dimension), None)
        if row is None:  # a retired dimension
            continue
        kind = "contradictory" if e.contradictory else e.strength
        setattr(row, kind, getattr(row, kind) + 1)
        per = row.by_member.setdefault(e.member, {"strong": 0, "weak": 0, "contradictory": 0})
        per[kind] += 1
    return out


@dataclass
class Backlog:
    commitment: int
    pending: int
    oldest: dt.datetime | None


def review_backlog(session: Session, index: CatalogueIndex) -> dict[int, Backlog]:
    """Suggestions still waiting for a decision, per commitment."""
    out = {c.number: Backlog(c.number, 0, None) for c in index.commitments}
    query = (
        select(Suggestion.commitment_id, func.count(Suggestion.id), func.min(Suggestion.created_at))
        .where(Suggestion.status == "pending")
        .group_by(Suggestion.commitment_id)
    )
    for commitment_id, n, oldest in session.exec(query):
        c = index.commitment_by_id(commitment_id)
        if c is not None:
            # min() bypasses the column type on SQLite: restore the UTC tag.
            if isinstance(oldest, str):
                oldest = dt.datetime.fromisoformat(oldest)
            if isinstance(oldest, dt.datetime) and oldest.tzinfo is None:
                oldest = oldest.replace(tzinfo=dt.UTC)
            out[c.number] = Backlog(c.number, n, oldest)
    return out


@dataclass
class Timeline:
    """Accepted evidence over the compliance period, per member: data for the plot.

    A point is one item accepted as evidence for the member (several dimensions of one
    item count once), at the date of the action.
    """

    start: dt.date
    end: dt.date
    members: list[tuple[str, str]]
    dates: dict[str, list[dt.date]]  # member key -> sorted dates inside the period
    undated: dict[str, int]
    outside: dict[str, int]  # dated outside the compliance period

    def cumulative(self, member: str) -> list[tuple[dt.date, int]]:
        """(date, running total) steps, starting at zero on the first day of the period."""
        steps = [(self.start, 0)]
        for day, count in sorted(Counter(self.dates.get(member, [])).items()):
            steps.append((day, steps[-1][1] + count))
        return steps

    @property
    def total(self) -> int:
        return sum(len(v) for v in self.dates.values())


def evidence_timeline(matrix: Matrix, evidence: list[EvidenceRow], commitment: int | None = None) -> Timeline:
    start, end = matrix.period
    first: dict[tuple[str, int], dt.date | None] = {}
    for e in evidence:
        if commitment is not None and e.commitment != commitment:
            continue
        key = (e.member, e.item_id, e.commitment)
        day = e.date
        if key not in first or (day is not None and (first[key] is None or day < first[key])):
            first[key] = day
    dates: dict[str, list[dt.date]] = defaultdict(list)
    undated: Counter = Counter()
    outside: Counter = Counter()
    for (member, _item, _c), day in first.items():
        if day is None:
            undated[member] += 1
        elif start <= day <= end:
            dates[member].append(day)
        else:
            outside[member] += 1
    return Timeline(start, end, matrix.members, {k: sorted(v) for k, v in dates.items()}, dict(undated), dict(outside))


# --- the dashboard -----------------------------------------------------------------------------


@dataclass
class Dashboard:
    matrix: Matrix
    averages: Averages  # of the scores that count (final, else suggested)
    suggested_averages: Averages
    final_averages: Averages
    counts: dict[int, list[DimensionCount]]
    backlog: dict[int, Backlog]
    timeline: Timeline

    def printed(self, value: Fraction | None) -> str:
        return printed(value)

    def as_json(self) -> dict:
        m = self.matrix
        return {
            "catalogue": m.catalogue_id,
            "title": m.title,
            "period": [m.period[0].isoformat(), m.period[1].isoformat()],
            "members": [{"key": k, "name": n} for k, n in m.members],
            "commitments": [
                {
                    "number": c.number,
                    "area": c.area,
                    "title": c.title,
                    "complete": c.complete,
                    "pending": self.backlog[c.number].pending,
                    "evidence": {
                        d.dimension: {"strong": d.strong, "weak": d.weak, "contradictory": d.contradictory} for d in self.counts.get(c.number, [])
                    },
                }
                for c in m.commitments
            ],
            "cells": [cell_json(c) for c in m.cells.values()],
            "averages": self.averages.as_json(),
            "suggested_averages": self.suggested_averages.as_json(),
            "final_averages": self.final_averages.as_json(),
            "timeline": {k: [d.isoformat() for d in v] for k, v in self.timeline.dates.items()},
        }


def cell_json(c: Cell) -> dict:
    return {
        "commitment": c.commitment,
        "member": c.member_name,
        "member_key": c.member,
        "score": c.score,
        "suggested": c.suggested,
        "explanation": c.explanation,
        "final": c.final,
        "final_set": c.final_set,
        "justification": c.justification,
        "set_by": c.set_by,
        "set_at": c.set_at.isoformat() if c.set_at else None,
        "origin": c.origin,
        "evidence": c.evidence,
        "version": c.version,
    }


def dashboard(session: Session, index: CatalogueIndex | None = None) -> Dashboard:
    """Everything the dashboard page shows, from one read of the database."""
    index = index or CatalogueIndex.load(session)
    evidence = evidence_rows(session, index)
    matrix = load_matrix(session, index, evidence)
    return Dashboard(
        matrix=matrix,
        averages=matrix.averages("score"),
        suggested_averages=matrix.averages("suggested"),
        final_averages=matrix.averages("final"),
        counts=evidence_counts(matrix, evidence),
        backlog=review_backlog(session, index),
        timeline=evidence_timeline(matrix, evidence),
    )


__all__ = [
    "Averages",
    "Backlog",
    "Cell",
    "CommitmentInfo",
    "Dashboard",
    "DimensionCount",
    "Matrix",
    "Timeline",
    "dashboard",
    "evidence_counts",
    "evidence_timeline",
    "format_average",
    "format_percent",
    "load_matrix",
    "review_backlog",
]

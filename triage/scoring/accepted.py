"""Accepted evidence as readable rows: names instead of ids, the source to cite, who decided.

One accepted decision is one row (a piece of evidence in one dimension). The report
groups rows that cite the same item for the same member into one paragraph.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlmodel import Session, select

from triage.catalogue.index import CatalogueIndex
from triage.models import User
from triage.review import cited
from triage.review.cited import CitedSource as Source
from triage.review.evidence import accepted_evidence
from triage.vocab import EvidenceKind


@dataclass
class EvidenceRow:
    decision_id: int
    suggestion_id: int
    item_id: int
    commitment: int
    member: str  # key
    member_name: str
    dimension: str  # key
    dimension_name: str
    strength: str
    contradictory: bool
    action_date: dt.date | None
    quote: str
    source: Source
    agent: str
    decided_by: str | None
    decided_at: dt.datetime
    kind: str = EvidenceKind.DIMENSION  # context evidence credits no dimension and counts for no score
    citation_key: str | None = None  # triage.review.cited: the evidence's own citation, for corrections
    quote_edited: bool = False  # an analyst changed the quote before accepting

    @property
    def date(self) -> dt.date | None:
        """When the action happened: the decision's action date, else the source's date."""
        if self.action_date is not None:
            return self.action_date
        d = self.source.date
        return d.astimezone(dt.UTC).date() if isinstance(d, dt.datetime) else d


def evidence_rows(
    session: Session, index: CatalogueIndex, commitment: int | None = None, member: str | None = None, *, context: bool = False
) -> list[EvidenceRow]:
    """Accepted evidence of the catalogue, optionally for one commitment number and/or member.

    Each row cites what was stored with the evidence when it was accepted or imported (or
    corrected since), not the item as a feed may have rewritten it. With `context`, the
    evidence that credits no dimension is added (for the report and the evidence export).
    """
    commitment_id = member_id = None
    if commitment is not None:
        row = index.commitment(commitment)
        if row is None:
            return []
        commitment_id = row.id
    if member is not None:
        m = index.member(member)
        if m is None:
            return []
        member_id = m.id
    found = accepted_evidence(session, commitment_id, member_id)
    citations = cited.latest(session, [cited.suggestion_key(e.suggestion.id) for e in found if e.suggestion.id is not None])
    user_ids = {e.decision.user_id for e in found}
    users = {u.id: u.username for u in session.exec(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    rows = []
    for e in found:
        d = e.decision
        c = index.commitment_by_id(d.commitment_id)
        m = index.member_by_id(d.member_id)
        dim = index.dimension_by_id(d.dimension_id)
        if c is None or m is None:  # evidence of another catalogue
            continue
        key = cited.suggestion_key(e.suggestion.id or 0)
        row = citations.get(key)
        rows.append(
            EvidenceRow(
                decision_id=d.id,
                suggestion_id=e.suggestion.id,
                item_id=e.item.id,
                commitment=c.number,
                member=m.key,
                member_name=m.name,
                dimension=dim.key if dim else "",
                dimension_name=dim.name if dim else "",
                strength=d.strength or "",
                contradictory=bool(d.contradictory),
                action_date=d.action_date,
                quote=d.quote or "",
                source=Source.from_row(row) if row is not None else Source.from_item(e.item),
                agent=e.suggestion.agent,
                decided_by=users.get(d.user_id),
                decided_at=d.created_at,
                citation_key=key,
                quote_edited=bool(d.quote is not None and d.quote.strip() != (e.suggestion.quote or "").strip()),
            )
        )
    if context:
        rows += _context_rows(session, index, commitment_id, member_id)
    return rows


def _context_rows(session: Session, index: CatalogueIndex, commitment_id: int | None, member_id: int | None) -> list[EvidenceRow]:
    rows = []
    for r in cited.context_rows(session, commitment_id, member_id):
        c, m = index.commitment_by_id(r.commitment_id), index.member_by_id(r.member_id)
        if c is None or m is None:
            continue
        user = session.get(User, r.user_id) if r.user_id else None
        rows.append(
            EvidenceRow(
                decision_id=0,
                suggestion_id=0,
                item_id=r.item_id,
                commitment=c.number,
                member=m.key,
                member_name=m.name,
                dimension="",
                dimension_name="",
                strength="",
                contradictory=False,
                action_date=r.action_date,
                quote=r.paragraph or "",
                source=Source.from_row(r),
                agent="context",
                decided_by=user.username if user else None,
                decided_at=r.created_at,
                kind=EvidenceKind.CONTEXT,
                citation_key=r.evidence_key,
            )
        )
    return rows

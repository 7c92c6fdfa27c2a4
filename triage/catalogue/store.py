"""Copy a catalogue file into the database, keeping row ids stable across reloads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, select

from triage.catalogue.edit import with_edits
from triage.catalogue.schema import Catalogue, Commitment
from triage.models import CatalogueRow, CommitmentRow, DimensionRow, MemberRow


@dataclass
class SyncResult:
    catalogue: str
    members: int
    commitments: int
    complete: int
    dimensions: int


def sync_catalogue(session: Session, cat: Catalogue, path: Path) -> SyncResult:
    """Upsert by key: members by key, commitments by number, dimensions by key.

    Dimensions that left the file are marked retired rather than deleted, because
    suggestions and decisions may refer to them.
    """
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    row = session.get(CatalogueRow, cat.id) or CatalogueRow(id=cat.id)
    row.title, row.group, row.summit, row.report_kind = cat.title, cat.group, cat.summit, cat.report
    row.period_start, row.period_end = cat.compliance_period.start, cat.compliance_period.end
    row.path, row.sha256, row.active = str(path), digest, True
    row.scale = {str(k): v for k, v in cat.scale.items()}
    session.add(row)
    session.flush()

    members = {m.key: m for m in session.exec(select(MemberRow).where(MemberRow.catalogue_id == cat.id))}
    for pos, m in enumerate(cat.members):
        mrow = members.get(m.key) or MemberRow(catalogue_id=cat.id, key=m.key, name=m.name)
        mrow.name, mrow.kind, mrow.position = m.name, m.kind, pos
        mrow.aliases, mrow.demonyms = list(m.aliases), list(m.demonyms)
        session.add(mrow)

    cat = with_edits(session, cat)  # edits saved in the web app stay in place
    commitments = {c.number: c for c in session.exec(select(CommitmentRow).where(CommitmentRow.catalogue_id == cat.id))}
    n_dims = 0
    for c in cat.commitments:
        n_dims += sync_commitment(session, cat.id, c, commitments.get(c.number))
    session.flush()
    return SyncResult(cat.id, len(cat.members), len(cat.commitments), sum(c.complete for c in cat.commitments), n_dims)


def sync_commitment(session: Session, catalogue_id: str, c: Commitment, crow: CommitmentRow | None = None) -> int:
    """One commitment's rows (the catalogue file's or a web edit's); returns its dimension count."""
    if crow is None:
        crow = session.exec(select(CommitmentRow).where(CommitmentRow.catalogue_id == catalogue_id, CommitmentRow.number == c.number)).first()
    crow = crow or CommitmentRow(catalogue_id=catalogue_id, number=c.number, area=c.area, title=c.title)
    crow.area, crow.title, crow.quote, crow.complete = c.area, c.title, c.quote, c.complete
    crow.quote_source = c.quote_source.model_dump(mode="json") if c.quote_source else None
    crow.rule = c.scoring.rule.model_dump(mode="json", exclude_none=True) if c.scoring else None
    crow.exclusions = [e.model_dump(mode="json") for e in c.exclusions]
    session.add(crow)
    session.flush()
    existing = {d.key: d for d in session.exec(select(DimensionRow).where(DimensionRow.commitment_id == crow.id))}
    for pos, d in enumerate(c.dimensions):
        drow = existing.pop(d.key, None) or DimensionRow(commitment_id=crow.id, key=d.key, name=d.name)
        drow.name, drow.description, drow.position, drow.retired = d.name, d.description, pos, False
        drow.strong_examples, drow.weak_examples = list(d.strong), list(d.weak)
        session.add(drow)
    for gone in existing.values():
        gone.retired = True
        session.add(gone)
    session.flush()
    return len(c.dimensions)

"""Learned models in the database: one row per version, the newest is the one in use."""

from __future__ import annotations

import pickle

from sqlalchemy import func
from sqlmodel import Session, select

from triage.classify.learned.model import LearnedModel
from triage.models import LearnedModelRow


def save(session: Session, model: LearnedModel, *, created_by: str, trained_on: dict) -> LearnedModelRow:
    """Store as the next version for its catalogue; sets model.version."""
    last = session.exec(select(func.max(LearnedModelRow.version)).where(LearnedModelRow.catalogue_id == model.catalogue_id)).one()
    model.version = int(last or 0) + 1
    row = LearnedModelRow(
        catalogue_id=model.catalogue_id,
        version=model.version,
        agent=model.agent,
        created_by=created_by,
        trained_on=trained_on,
        metrics=model.metrics,
        payload=pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL),
    )
    session.add(row)
    session.flush()
    return row


def latest_row(session: Session, catalogue_id: str) -> LearnedModelRow | None:
    return session.exec(
        select(LearnedModelRow).where(LearnedModelRow.catalogue_id == catalogue_id).order_by(LearnedModelRow.version.desc()).limit(1)  # type: ignore[attr-defined]
    ).first()


def load_latest(session: Session, catalogue_id: str) -> LearnedModel | None:
    """The newest model of the catalogue, or None. The payload was written by Triage itself (see save)."""
    row = latest_row(session, catalogue_id)
    if row is None:
        return None
    model = pickle.loads(row.payload)  # our own rows (see save), never user input
    if not isinstance(model, LearnedModel):
        return None
    return model

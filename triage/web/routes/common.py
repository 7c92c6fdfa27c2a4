"""What several route modules share: the catalogue as the templates need it, filters from the
query string, and the choices the filter form offers."""

from __future__ import annotations

import time
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Path, Request
from sqlalchemy import select
from sqlmodel import Session

from triage.catalogue.index import CatalogueIndex
from triage.models import Item, Source
from triage.review.queue import MAX_ID, QueueFilter, parse_filter

# A row id in a path: past the database's integer range it is a 422 naming the field, not a 500.
Id = Annotated[int, Path(ge=0, le=MAX_ID)]

CHOICES_TTL = 60.0  # seconds; languages and sources change with ingestion, not per click


def labels(index: CatalogueIndex) -> dict:
    return {
        "members": {m.id: m.name for m in index.members},
        "commitments": {c.id: c for c in index.commitments},
        "dimensions": {d.id: d for d in index.dimensions},
    }


def filter_from(request: Request, index: CatalogueIndex, raw: str | None = None) -> QueueFilter:
    """The queue filter in the query string (or in `raw`, a query string carried by a form)."""
    params = dict(parse_qsl(raw, keep_blank_values=True)) if raw is not None else dict(request.query_params)
    return parse_filter(params, index)


def filter_choices(request: Request, db: Session) -> dict:
    cache = request.app.state.index_cache
    cached = cache.get("choices")
    if cached and cached[0] > time.monotonic():
        return cached[1]
    languages = sorted(x for x in db.execute(select(Item.language).distinct()).scalars() if x)
    sources = list(db.execute(select(Source.id, Source.publisher).order_by(Source.id)).all())
    choices = {"languages": languages, "sources": sources}
    cache["choices"] = (time.monotonic() + CHOICES_TTL, choices)
    return choices

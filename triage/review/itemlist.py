"""The Items view: every item whatever its state (not a candidate, not relevant, failed,
classified), with why it is in that state, its suggestions counted, searchable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import case, exists, func, select
from sqlmodel import Session, col

from triage.errors import InputError, Problem
from triage.models import Item, Sighting, Suggestion
from triage.review import search
from triage.review.queue import _choice, _date, _day_start, _number
from triage.vocab import ItemState

COUNT_LIMIT = 1000  # "1000+ items" beyond this
MAX_PAGE = 200  # pages of a search are numbered (ranked results); a narrower search beats page 201


@dataclass(frozen=True)
class ItemFilter:
    q: str | None = None
    state: str | None = None
    language: str | None = None
    source: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: int = 1

    def params(self, **changes) -> dict[str, str]:
        out = {}
        for fd in fields(self):
            value = changes.get(fd.name, getattr(self, fd.name))
            if value is None or value == fd.default:
                continue
            out[fd.name] = value.isoformat() if isinstance(value, dt.date) else str(value)
        return out


def parse_item_filter(params: Mapping[str, str]) -> ItemFilter:
    f = ItemFilter(
        q=search.check_query(params.get("q")),
        state=_choice(params, "state", tuple(ItemState), None),
        language=(params.get("language") or "").strip()[:20] or None,
        source=(params.get("source") or "").strip()[:80] or None,
        date_from=_date(params, "date_from"),
        date_to=_date(params, "date_to"),
        page=_number(params, "page", int, 1, MAX_PAGE) or 1,
    )
    if f.date_from and f.date_to and f.date_from > f.date_to:
        raise InputError(Problem("date_from is after date_to", field="date_from"))
    return f


@dataclass
class ItemRow:
    id: int
    title: str
    publisher: str | None
    published_at: dt.datetime | None
    language: str | None
    status: str
    status_reason: str | None
    origin: str
    suggestions: int
    pending: int
    snippet: str


@dataclass
class ItemPage:
    rows: list[ItemRow]
    total: int
    has_next: bool


def list_items(session: Session, f: ItemFilter, limit: int = 50) -> ItemPage:
    conditions: list[Any] = []
    if f.state:
        conditions.append(col(Item.status) == f.state)
    if f.language:
        conditions.append(col(Item.language) == f.language)
    if f.source:
        conditions.append(exists().where(col(Sighting.item_id) == col(Item.id), col(Sighting.source_id) == f.source))
    if f.date_from:
        conditions.append(col(Item.published_at) >= _day_start(f.date_from))
    if f.date_to:
        conditions.append(col(Item.published_at) < _day_start(f.date_to + dt.timedelta(days=1)))
    columns = (
        col(Item.id),
        col(Item.title),
        col(Item.publisher),
        col(Item.published_at),
        col(Item.language),
        col(Item.status),
        col(Item.status_reason),
        col(Item.origin),
        col(Item.text),
        col(Item.gist_en),
    )
    if f.q:
        conditions.append(search.condition(session, f.q))
    base = select(*columns).where(*conditions)
    # Counted up to a bound: the exact number of matches of a common word is not worth a scan.
    total_q = select(func.count()).select_from(select(col(Item.id)).where(*conditions).limit(COUNT_LIMIT + 1).subquery())
    ordered = base.order_by(col(Item.id).desc())
    raw = session.execute(ordered.offset((f.page - 1) * limit).limit(limit + 1)).all()
    has_next = len(raw) > limit
    raw = raw[:limit]
    ids = [r.id for r in raw]
    counts: dict[int, tuple[int, int]] = {}
    if ids:
        pending = func.sum(case((col(Suggestion.status) == "pending", 1), else_=0))
        for item_id, n, p in session.execute(
            select(col(Suggestion.item_id), func.count(), pending).where(col(Suggestion.item_id).in_(ids)).group_by(col(Suggestion.item_id))
        ):
            counts[item_id] = (n, int(p or 0))
    rows = [
        ItemRow(
            r.id,
            r.title,
            r.publisher,
            r.published_at,
            r.language,
            r.status,
            r.status_reason,
            r.origin,
            counts.get(r.id, (0, 0))[0],
            counts.get(r.id, (0, 0))[1],
            search.snippet(r.text or r.gist_en, f.q),
        )
        for r in raw
    ]
    return ItemPage(rows, session.execute(total_q).scalar_one(), has_next)

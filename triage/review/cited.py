"""Citation data that belongs to the evidence: title, publisher, city, date, access date, URL.

Held by the review layer because evidence owns its citation data; the export layer only
formats it (triage.export.citation). What an analyst accepted or imported is written to
`EvidenceCitation` at that moment (`record()` / `ensure_for()`), so a feed item stored at
the same URL earlier or later never changes a footnote. A correction appends a row
(`correct()`): the newest row of a piece of evidence counts, and the older rows are the
audit trail. Evidence the report cites without crediting a dimension ("context") lives
here only (`add_context()`): it is printed and exported, and counts for no score.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from triage.errors import Forbidden, InputError, NotFound
from triage.models import EvidenceCitation, Item, Sighting, Source, Suggestion, User
from triage.policies import can
from triage.vocab import CitationOrigin, DatePrecision, EvidenceKind

CORRECTABLE = ("title", "publisher", "city", "date", "precision", "accessed", "url", "translated")


@dataclass(frozen=True)
class CitedSource:
    """What a citation needs; built from an item, a catalogue quote source, an import line or a stored row."""

    title: str
    publisher: str | None = None
    city: str | None = None
    date: dt.date | dt.datetime | None = None
    accessed: dt.date | dt.datetime | None = None
    url: str | None = None
    precision: str = DatePrecision.DAY  # how much of `date` is known ('2024-07' is July 2024)
    translated: bool = False  # the report adds its translation note
    missing: bool = False  # the report lost this footnote: printed "Citation missing."

    @classmethod
    def from_item(cls, item) -> CitedSource:
        # An item whose date fell back to the fetch time has no real publication date.
        published = None if getattr(item, "date_missing", False) else item.published_at
        return cls(item.title, item.publisher, item.city, published, item.fetched_at, item.url)

    @classmethod
    def from_mapping(cls, data: dict | None) -> CitedSource | None:
        if not data or not data.get("title"):
            return None
        date = data.get("date")
        if isinstance(date, str):
            date = dt.date.fromisoformat(date)
        return cls(data["title"], data.get("publisher"), data.get("city"), date, data.get("accessed"), data.get("url"))

    @classmethod
    def from_row(cls, row: EvidenceCitation) -> CitedSource:
        return cls(
            row.title or "",
            row.publisher,
            row.city,
            row.source_date,
            row.accessed,
            row.url,
            precision=row.date_precision,
            translated=row.translated,
            missing=row.missing,
        )


def _day(value: dt.date | dt.datetime | None) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date() if value.tzinfo else value.date()
    return value


def suggestion_key(suggestion_id: int) -> str:
    return f"s:{suggestion_id}"


def context_key(item_id: int, member_id: int, commitment_id: int, text: str, action_date: dt.date | None) -> str:
    digest = hashlib.sha256(f"{text.strip()}\n{action_date}".encode()).hexdigest()[:16]
    return f"x:{item_id}:{member_id}:{commitment_id}:{digest}"


def _row(key: str, source: CitedSource, **columns) -> EvidenceCitation:
    return EvidenceCitation(
        evidence_key=key,
        title=source.title or None,
        publisher=source.publisher,
        city=source.city,
        source_date=_day(source.date),
        date_precision=source.precision,
        accessed=_day(source.accessed),
        url=source.url,
        translated=source.translated,
        missing=source.missing,
        **columns,
    )


def latest(session: Session, keys: list[str]) -> dict[str, EvidenceCitation]:
    """The row that counts (the newest) for each evidence key that has one."""
    if not keys:
        return {}
    newest = (
        select(func.max(EvidenceCitation.id).label("id"))
        .where(col(EvidenceCitation.evidence_key).in_(keys))
        .group_by(col(EvidenceCitation.evidence_key))
        .subquery()
    )
    rows = session.exec(select(EvidenceCitation).join(newest, newest.c.id == EvidenceCitation.id))
    return {r.evidence_key: r for r in rows}


def record(session: Session, suggestion: Suggestion, source: CitedSource, *, user: User | None, origin: str) -> EvidenceCitation:
    """Write a suggestion's citation as it stands now (an import or an accept)."""
    assert suggestion.id is not None
    row = _row(
        suggestion_key(suggestion.id),
        source,
        suggestion_id=suggestion.id,
        item_id=suggestion.item_id,
        member_id=suggestion.member_id,
        commitment_id=suggestion.commitment_id,
        kind=EvidenceKind.DIMENSION,
        action_date=suggestion.action_date,
        origin=origin,
        user_id=user.id if user else None,
    )
    session.add(row)
    session.flush()
    return row


def ensure_for(session: Session, suggestion: Suggestion, *, user: User | None) -> EvidenceCitation:
    """On accepting: keep the citation the evidence has, or take it from the item as it is now."""
    assert suggestion.id is not None
    found = latest(session, [suggestion_key(suggestion.id)]).get(suggestion_key(suggestion.id))
    if found is not None:
        return found
    item = session.get(Item, suggestion.item_id)
    source = CitedSource.from_item(item)
    registry = _registry_source(session, suggestion.item_id)
    if registry is not None:
        # The source registry gives the publisher's English form and city for citations.
        source = replace(source, publisher=registry.publisher or source.publisher, city=source.city or registry.city)
    return record(session, suggestion, source, user=user, origin=CitationOrigin.ACCEPT)


def _registry_source(session: Session, item_id: int) -> Source | None:
    """The registry source that first brought the item in, if a feed did."""
    sighting = session.exec(select(Sighting).where(Sighting.item_id == item_id).order_by(col(Sighting.id))).first()
    return session.get(Source, sighting.source_id) if sighting is not None else None


def add_context(
    session: Session,
    *,
    item: Item,
    member_id: int,
    commitment_id: int,
    text: str,
    action_date: dt.date | None,
    source: CitedSource,
    user: User | None,
    origin: str = CitationOrigin.IMPORT,
) -> tuple[EvidenceCitation, bool]:
    """Evidence that credits no dimension; (row, created). The same paragraph again adds nothing."""
    assert item.id is not None
    key = context_key(item.id, member_id, commitment_id, text, action_date)
    found = latest(session, [key]).get(key)
    if found is not None:
        return found, False
    row = _row(
        key,
        source,
        item_id=item.id,
        member_id=member_id,
        commitment_id=commitment_id,
        kind=EvidenceKind.CONTEXT,
        paragraph=text.strip(),
        action_date=action_date,
        origin=origin,
        user_id=user.id if user else None,
    )
    session.add(row)
    session.flush()
    return row, True


def context_rows(session: Session, commitment_id: int | None = None, member_id: int | None = None) -> list[EvidenceCitation]:
    """The current row of every piece of context evidence (optionally for one commitment / member)."""
    query = select(EvidenceCitation.evidence_key).where(EvidenceCitation.kind == EvidenceKind.CONTEXT)
    if commitment_id is not None:
        query = query.where(EvidenceCitation.commitment_id == commitment_id)
    if member_id is not None:
        query = query.where(EvidenceCitation.member_id == member_id)
    keys = sorted(set(session.exec(query)))
    return sorted(latest(session, keys).values(), key=lambda r: r.id or 0)


def correct(session: Session, *, key: str, user: User, note: str | None = None, **changes) -> EvidenceCitation:
    """An analyst corrects a citation: a new row (the old ones stay, as the audit trail).

    `changes` may hold title, publisher, city, date, precision, accessed, url, translated;
    a correction that changes nothing is refused.
    """
    if not can(user, "review"):
        raise Forbidden(f"{user.username} may not correct citations")
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        raise InputError(f"cannot correct {', '.join(unknown)} (fields: {', '.join(CORRECTABLE)})")
    current = latest(session, [key]).get(key)
    if current is None:
        raise NotFound(f"no citation for evidence {key}")
    source = CitedSource.from_row(current)
    values: dict[str, Any] = {k: (v.strip() or None) if isinstance(v, str) else v for k, v in changes.items()}
    if "precision" in values and values["precision"] not in tuple(DatePrecision):
        raise InputError(f"precision must be one of {', '.join(DatePrecision)}")
    fixed = replace(source, **values)
    if fixed.title or fixed.url or fixed.publisher:
        fixed = replace(fixed, missing=False)
    if fixed == source:
        raise InputError("the correction changes nothing")
    row = _row(
        key,
        fixed,
        suggestion_id=current.suggestion_id,
        item_id=current.item_id,
        member_id=current.member_id,
        commitment_id=current.commitment_id,
        kind=current.kind,
        paragraph=current.paragraph,
        action_date=current.action_date,
        origin=CitationOrigin.CORRECTION,
        user_id=user.id,
        note=(note or "").strip() or None,
    )
    session.add(row)
    session.flush()
    return row


def trail(session: Session, key: str) -> list[EvidenceCitation]:
    """Every version of a citation, oldest first."""
    return list(session.exec(select(EvidenceCitation).where(EvidenceCitation.evidence_key == key).order_by(col(EvidenceCitation.id))))

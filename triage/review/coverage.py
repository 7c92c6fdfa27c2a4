"""Progress and coverage gaps: what each analyst decided today and this week, what is pending
per commitment and member, and every member x commitment with no accepted or pending evidence
for longer than a span (so a silent member is noticed months before the report, not at it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import Session, col

from triage.catalogue.index import CatalogueIndex
from triage.models import Decision, Item, Source, Suggestion, User, utcnow

EVIDENCE_STATES = ("accepted", "pending")


@dataclass
class Gap:
    member: str  # member name
    member_key: str
    commitment: int  # commitment number
    title: str
    last_evidence: dt.date | None  # None: never any

    def as_json(self) -> dict:
        return {
            "member": self.member_key,
            "commitment": self.commitment,
            "last_evidence": self.last_evidence.isoformat() if self.last_evidence else None,
        }


@dataclass
class SilentMember:
    member: str
    member_key: str
    sources: int
    why: str


@dataclass
class Coverage:
    as_of: dt.date
    span_days: int
    gaps: list[Gap] = field(default_factory=list)
    silent: list[SilentMember] = field(default_factory=list)


def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite's max() over a datetime column comes back as text
        value = dt.datetime.fromisoformat(value)
    return value.date() if isinstance(value, dt.datetime) else value


def coverage(session: Session, index: CatalogueIndex, *, span_days: int = 28, now: dt.datetime | None = None) -> Coverage:
    """Gaps as of today (or the period's end, when the period is over): a cell whose latest
    accepted or pending evidence (dated by the item's publication, else when it was suggested)
    is older than `span_days`, or that never had any and the period began longer ago than that."""
    now = now or utcnow()
    start, end = index.period
    as_of = min(now.date(), end)
    cutoff = as_of - dt.timedelta(days=span_days)
    dated = func.coalesce(col(Item.published_at), col(Suggestion.created_at))
    latest = {
        (c, m): _day(last)
        for c, m, last in session.execute(
            select(col(Suggestion.commitment_id), col(Suggestion.member_id), func.max(dated))
            .join(Item, col(Item.id) == col(Suggestion.item_id))
            .where(col(Suggestion.status).in_(EVIDENCE_STATES))
            .group_by(col(Suggestion.commitment_id), col(Suggestion.member_id))
        )
    }
    out = Coverage(as_of=as_of, span_days=span_days)
    for commitment in index.commitments:
        for member in index.members:
            last = latest.get((commitment.id, member.id))
            if (last or start) < cutoff:
                out.gaps.append(Gap(member.name, member.key, commitment.number, commitment.title, last))
    stale_before = now - dt.timedelta(days=span_days)
    sources: dict[str, list[Source]] = {}
    for source in session.scalars(select(Source).where(col(Source.enabled))):
        # A source speaks for the members it names (issue 10's `members`), else its one member.
        for key in source.members or ([source.member] if source.member else []):
            sources.setdefault(key, []).append(source)
    for member in index.members:
        mine = sources.get(member.key, [])
        if not mine:
            continue
        # Health, where the fetcher has recorded it, says whether anything came; else fall back to errors and age.
        failing = [s for s in mine if (s.health not in (None, "ok", "stale")) or (s.health is None and s.error_count > 0)]
        stale = [
            s
            for s in mine
            if s not in failing and (s.health == "stale" or (s.health is None and (s.last_fetch_at is None or s.last_fetch_at < stale_before)))
        ]
        if len(failing) + len(stale) == len(mine):
            why = (
                "every source is failing"
                if len(failing) == len(mine)
                else f"{len(failing)} failing, {len(stale)} stale or not fetched for {span_days} days"
            )
            out.silent.append(SilentMember(member.name, member.key, len(mine), why))
    return out


@dataclass
class ProgressRow:
    label: str
    today: int
    week: int
    pending: int = 0


@dataclass
class Progress:
    by_analyst: list[ProgressRow]
    by_commitment: list[ProgressRow]
    by_member: list[ProgressRow]


def progress(session: Session, index: CatalogueIndex, *, now: dt.datetime | None = None) -> Progress:
    """Decisions made today and this week (since Monday, UTC), and what is pending."""
    now = now or utcnow()
    today = dt.datetime(now.year, now.month, now.day, tzinfo=dt.UTC)
    week = today - dt.timedelta(days=today.weekday())
    counted = col(Decision.action).in_(("accept", "reject", "edit"))
    n_today = func.sum(case((col(Decision.created_at) >= today, 1), else_=0))
    n_week = func.count()
    since_week = (col(Decision.created_at) >= week, counted)

    def grouped(key) -> dict:
        return {k: (int(t or 0), int(w or 0)) for k, t, w in session.execute(select(key, n_today, n_week).where(*since_week).group_by(key))}

    names = dict(session.execute(select(col(User.id), col(User.username))).all())
    analysts = grouped(col(Decision.user_id))
    by_commitment = grouped(col(Decision.commitment_id))
    by_member = grouped(col(Decision.member_id))
    pending_c = dict(
        session.execute(
            select(col(Suggestion.commitment_id), func.count()).where(col(Suggestion.status) == "pending").group_by(col(Suggestion.commitment_id))
        ).all()
    )
    pending_m = dict(
        session.execute(
            select(col(Suggestion.member_id), func.count()).where(col(Suggestion.status) == "pending").group_by(col(Suggestion.member_id))
        ).all()
    )
    return Progress(
        [ProgressRow(names.get(u, str(u)), t, w) for u, (t, w) in sorted(analysts.items(), key=lambda kv: names.get(kv[0], ""))],
        [
            ProgressRow(f"{c.number}. {c.title}", *_pair(by_commitment, c.id), pending=pending_c.get(c.id, 0))
            for c in index.commitments
            if c.id in by_commitment or c.id in pending_c
        ],
        [
            ProgressRow(m.name, *_pair(by_member, m.id), pending=pending_m.get(m.id, 0))
            for m in index.members
            if m.id in by_member or m.id in pending_m
        ],
    )


def _pair(counts: dict, key) -> tuple[int, int]:
    today, week = counts.get(key, (0, 0))
    return today, week

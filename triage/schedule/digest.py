"""The daily digest: what came in over the last day, by member and by source, and which sources are not ok.

Written to the log and to `<digest_dir>/digest-YYYY-MM-DD.md` (TRIAGE_DIGEST_DIR).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from triage import db
from triage.catalogue.index import CatalogueIndex
from triage.config import Settings
from triage.errors import TriageError
from triage.models import Item, Sighting, Source, utcnow
from triage.review.coverage import Coverage, coverage

log = logging.getLogger(__name__)


@dataclass
class Digest:
    since: dt.datetime
    until: dt.datetime
    new_items: int
    by_member: list[tuple[str, int]]
    by_source: list[tuple[str, str, int]]
    # Source health: (id, health, reason, since, consecutive errors) for every enabled source not `ok`.
    failing: list[tuple[str, str, str | None, dt.datetime | None, int]]
    coverage: Coverage | None = None  # issue 14: coverage gaps (see coverage_lines)

    def markdown(self) -> str:
        lines = [
            f"# Triage digest {self.until:%Y-%m-%d}",
            "",
            f"{self.new_items} new items from {self.since:%Y-%m-%d %H:%M} to {self.until:%Y-%m-%d %H:%M} UTC.",
            "",
            "## New items by member",
            "",
            "| Member | Items |",
            "| --- | ---: |",
        ]
        lines += [f"| {m} | {n} |" for m, n in self.by_member] or ["| (none) | 0 |"]
        lines += ["", "## New items by source", "", "| Source | Publisher | Items |", "| --- | --- | ---: |"]
        lines += [f"| {s} | {p} | {n} |" for s, p, n in self.by_source] or ["| (none) | | 0 |"]
        lines += ["", "## Source health", ""]
        lines += [_health_line(*row) for row in self.failing] or ["Every enabled source is ok."]
        lines += self.coverage_lines()
        return "\n".join(lines) + "\n"

    def coverage_lines(self) -> list[str]:
        """Cells with no accepted or pending evidence past the span, and members gone silent."""
        if self.coverage is None:
            return []
        cov = self.coverage
        lines = ["", f"## Coverage gaps (no accepted or pending evidence for over {cov.span_days} days, as of {cov.as_of})", ""]
        lines += [
            f"- {g.member} x commitment {g.commitment}: " + (f"last evidence {g.last_evidence}" if g.last_evidence else "no evidence yet")
            for g in cov.gaps
        ] or ["None."]
        lines += ["", "## Members whose sources all failed or went stale", ""]
        lines += [f"- {m.member}: {m.why} ({m.sources} sources)" for m in cov.silent] or ["None."]
        return lines


def build_digest(session: Session, until: dt.datetime, hours: int = 24) -> Digest:
    since = until - dt.timedelta(hours=hours)
    window = (Item.created_at >= since, Item.created_at < until)
    new_items = session.execute(select(func.count()).select_from(Item).where(*window)).scalar_one()
    member = func.coalesce(Source.member, "any")
    by_member = session.execute(
        select(member, func.count(func.distinct(Item.id)))
        .join(Sighting, Sighting.item_id == Item.id)
        .join(Source, Source.id == Sighting.source_id)
        .where(*window)
        .group_by(member)
        .order_by(member)
    ).all()
    by_source = session.execute(
        select(Source.id, Source.publisher, func.count(func.distinct(Item.id)))
        .join(Sighting, Sighting.item_id == Item.id)
        .join(Source, Source.id == Sighting.source_id)
        .where(*window)
        .group_by(Source.id, Source.publisher)
        .order_by(func.count(func.distinct(Item.id)).desc(), Source.id)
    ).all()
    failing = [
        (s.id, s.health or "failing", s.health_error or s.last_error, s.health_since, s.error_count)
        for s in session.execute(select(Source).where(Source.enabled, Source.origin != "adhoc").order_by(Source.id)).scalars()
        if (s.health and s.health != "ok") or (not s.health and s.error_count)
    ]
    return Digest(since, until, new_items, [tuple(r) for r in by_member], [tuple(r) for r in by_source], failing)


def _health_line(source_id: str, health: str, reason: str | None, since: dt.datetime | None, errors: int) -> str:
    when = f" since {since:%Y-%m-%d %H:%M}" if since else ""
    tries = f"; {errors} consecutive failures" if errors else ""
    return f"- {source_id}: {health}{when}: {reason or 'no reason recorded'}{tries}"


def write_digest(settings: Settings, until: dt.datetime | None = None) -> Path:
    until = until or utcnow()
    with Session(db.engine_for(settings.database_url)) as session:
        digest = build_digest(session, until)
        try:
            index = CatalogueIndex.load(session)
        except TriageError:  # no catalogue loaded yet: nothing to be missing from
            index = None
        if index is not None:
            digest.coverage = coverage(session, index, span_days=settings.coverage_gap_days, now=until)
    folder = Path(settings.digest_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"digest-{until:%Y-%m-%d}.md"
    path.write_text(digest.markdown(), encoding="utf-8")
    log.info(
        "digest: %d new items; by member: %s; sources not ok: %s",
        digest.new_items,
        ", ".join(f"{m} {n}" for m, n in digest.by_member) or "none",
        ", ".join(f"{row[0]} ({row[1]})" for row in digest.failing) or "none",
    )
    return path

"""The stored catalogue as lookups: names and keys to rows, for every stage after ingestion."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlmodel import Session, select

from triage.errors import ConfigError
from triage.models import CatalogueRow, CommitmentRow, DimensionRow, MemberRow


@dataclass
class CatalogueIndex:
    catalogue: CatalogueRow
    members: list[MemberRow]
    commitments: list[CommitmentRow]
    dimensions: list[DimensionRow]
    _names: dict[str, MemberRow] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for m in self.members:
            for name in (m.key, m.name, *m.aliases):
                self._names.setdefault(name.casefold(), m)

    @classmethod
    def load(cls, session: Session, catalogue_id: str | None = None) -> CatalogueIndex:
        """The named catalogue, or the most recently loaded active one."""
        if catalogue_id:
            cat = session.get(CatalogueRow, catalogue_id)
        else:
            cat = session.exec(select(CatalogueRow).where(CatalogueRow.active).order_by(CatalogueRow.loaded_at.desc())).first()
        if cat is None:
            raise ConfigError("no catalogue in the database: run `triage init` first")
        members = list(session.exec(select(MemberRow).where(MemberRow.catalogue_id == cat.id).order_by(MemberRow.position)))
        commitments = list(session.exec(select(CommitmentRow).where(CommitmentRow.catalogue_id == cat.id).order_by(CommitmentRow.number)))
        ids = [c.id for c in commitments]
        dimensions = list(
            session.exec(select(DimensionRow).where(DimensionRow.commitment_id.in_(ids)).order_by(DimensionRow.commitment_id, DimensionRow.position))
        )
        return cls(cat, members, commitments, dimensions)

    @property
    def period(self) -> tuple[dt.date, dt.date]:
        return self.catalogue.period_start, self.catalogue.period_end

    @property
    def scale(self) -> dict[int, str]:
        from triage.catalogue.schema import DEFAULT_SCALE

        raw = self.catalogue.scale or {}
        return {int(k): v for k, v in raw.items()} or dict(DEFAULT_SCALE)

    def in_period(self, day: dt.date | None) -> bool | None:
        if day is None:
            return None
        return self.catalogue.period_start <= day <= self.catalogue.period_end

    def member(self, name: str | None) -> MemberRow | None:
        return self._names.get(name.strip().casefold()) if name else None

    def member_by_id(self, member_id: int) -> MemberRow | None:
        return next((m for m in self.members if m.id == member_id), None)

    def commitment(self, number: int | None) -> CommitmentRow | None:
        return next((c for c in self.commitments if c.number == number), None)

    def commitment_by_id(self, commitment_id: int) -> CommitmentRow | None:
        return next((c for c in self.commitments if c.id == commitment_id), None)

    def dimensions_of(self, commitment: CommitmentRow, include_retired: bool = False) -> list[DimensionRow]:
        return [d for d in self.dimensions if d.commitment_id == commitment.id and (include_retired or not d.retired)]

    def dimension(self, commitment: CommitmentRow, key: str | None) -> DimensionRow | None:
        return next((d for d in self.dimensions_of(commitment) if d.key == key), None)

    def dimension_by_id(self, dimension_id: int) -> DimensionRow | None:
        return next((d for d in self.dimensions if d.id == dimension_id), None)

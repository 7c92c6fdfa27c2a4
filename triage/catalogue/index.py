"""The runtime catalogue: one object that answers "which member, commitment, dimension is this".

Built from the database (`CatalogueIndex.load`) or straight from a catalogue file
(`CatalogueIndex.from_catalogue`, for commands that work on files alone), so every writer
(suggestions, imports, analysts' evidence, evaluation, web forms) checks names the same
way, through `resolve()` / `problems()`, and every refusal names the problem the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from triage.errors import ConfigError, InputError, Problem
from triage.models import CatalogueRow, CommitmentRow, DimensionRow, MemberRow

if TYPE_CHECKING:
    from triage.catalogue.schema import Catalogue


@dataclass(frozen=True)
class Resolved:
    """What `resolve()` found; a part is None when it was not asked for."""

    member: MemberRow | None = None
    commitment: CommitmentRow | None = None
    dimension: DimensionRow | None = None


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
            cat = session.exec(select(CatalogueRow).where(CatalogueRow.active).order_by(col(CatalogueRow.loaded_at).desc())).first()
        if cat is None:
            raise ConfigError("no catalogue in the database: run `triage init` first")
        members = list(session.exec(select(MemberRow).where(MemberRow.catalogue_id == cat.id).order_by(col(MemberRow.position))))
        commitments = list(session.exec(select(CommitmentRow).where(CommitmentRow.catalogue_id == cat.id).order_by(col(CommitmentRow.number))))
        ids = [c.id for c in commitments]
        dimensions = list(
            session.exec(
                select(DimensionRow)
                .where(col(DimensionRow.commitment_id).in_(ids))
                .order_by(col(DimensionRow.commitment_id), col(DimensionRow.position))
            )
        )
        return cls(cat, members, commitments, dimensions)

    @classmethod
    def from_catalogue(cls, cat: Catalogue) -> CatalogueIndex:
        """The same lookups over a catalogue file, with ids numbered in file order (nothing stored)."""
        row = CatalogueRow(
            id=cat.id,
            title=cat.title,
            group=cat.group,
            summit=cat.summit,
            report_kind=cat.report,
            period_start=cat.compliance_period.start,
            period_end=cat.compliance_period.end,
            path="",
            sha256="",
            scale={str(k): v for k, v in cat.scale.items()},
        )
        members = [
            MemberRow(
                id=i, catalogue_id=cat.id, key=m.key, name=m.name, kind=m.kind, position=i - 1, aliases=list(m.aliases), demonyms=list(m.demonyms)
            )
            for i, m in enumerate(cat.members, start=1)
        ]
        commitments: list[CommitmentRow] = []
        dimensions: list[DimensionRow] = []
        for i, c in enumerate(cat.commitments, start=1):
            commitments.append(
                CommitmentRow(
                    id=i,
                    catalogue_id=cat.id,
                    number=c.number,
                    area=c.area,
                    title=c.title,
                    quote=c.quote,
                    complete=c.complete,
                    rule=c.scoring.rule.model_dump(mode="json", exclude_none=True) if c.scoring else None,
                    exclusions=[e.model_dump(mode="json") for e in c.exclusions],
                )
            )
            for pos, d in enumerate(c.dimensions):
                dimensions.append(
                    DimensionRow(
                        id=len(dimensions) + 1,
                        commitment_id=i,
                        key=d.key,
                        name=d.name,
                        description=d.description,
                        position=pos,
                        strong_examples=list(d.strong),
                        weak_examples=list(d.weak),
                    )
                )
        return cls(row, members, commitments, dimensions)

    # --- the one validation of names --------------------------------------------------------

    def problems(
        self,
        *,
        member: str | None = None,
        commitment: int | str | None = None,
        dimension: str | None = None,
        fields: bool = False,
    ) -> tuple[Resolved, list[Problem]]:
        """Look up what is named; each name that does not resolve is a Problem saying what exists.

        `dimension` is looked up in `commitment`. With `fields`, each problem names its field
        (member, commitment, dimension), as forms show them.
        """
        problems: list[Problem] = []
        m = c = d = None
        if member is not None:
            m = self.member(member)
            if m is None:
                known = ", ".join(x.name for x in self.members)
                problems.append(Problem(f"unknown member {member!r} (members: {known})", field="member" if fields else None))
        if commitment is not None:
            number = _as_number(commitment)
            c = self.commitment(number) if number is not None else None
            if c is None:
                problems.append(Problem(f"unknown commitment {commitment} in catalogue {self.catalogue.id}", field="commitment" if fields else None))
        if dimension is not None and c is not None:
            d = self.dimension(c, dimension)
            if d is None:
                keys = ", ".join(x.key for x in self.dimensions_of(c)) or "none defined"
                problems.append(
                    Problem(f"commitment {c.number} has no dimension {dimension!r} (dimensions: {keys})", field="dimension" if fields else None)
                )
        return Resolved(m, c, d), problems

    def resolve(
        self,
        *,
        member: str | None = None,
        commitment: int | str | None = None,
        dimension: str | None = None,
        fields: bool = False,
    ) -> Resolved:
        """As `problems()`, raising InputError with every problem at once."""
        found, problems = self.problems(member=member, commitment=commitment, dimension=dimension, fields=fields)
        if problems:
            raise InputError(problems)
        return found

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


def _as_number(value: int | str) -> int | None:
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return None

"""Accepted evidence as the scoring rule sees it, and reading it from JSONL files.

A line names a member, a commitment, one dimension (or a list of dimensions) and a
strength, like ../shared/gold/c19_member_dimensions.jsonl:
    {"member": "Canada", "commitment": 19, "dimension": "prevent", "strength": "strong"}
Optional: "contradictory": true.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import EvidenceMark
from triage.catalogue.schema import Catalogue
from triage.errors import InputError, Problem
from triage.inputs import model_problems, read_jsonl


class EvidenceLine(BaseModel):
    model_config = ConfigDict(extra="allow")

    member: str
    commitment: int
    dimension: str | None = None
    dimensions: list[str] | None = None
    strength: Literal["strong", "weak"]
    contradictory: bool = False

    @model_validator(mode="after")
    def _one_dimension_field(self):
        if self.dimension is None and not self.dimensions:
            raise ValueError("name the dimension ('dimension') or dimensions ('dimensions')")
        return self

    def dimension_keys(self) -> list[str]:
        return [self.dimension] if self.dimension else list(self.dimensions or [])


@dataclass(frozen=True)
class Evidence:
    """One accepted piece of evidence, resolved against a catalogue."""

    member: str  # member key
    commitment: int
    mark: EvidenceMark


def resolve(
    line: EvidenceLine, catalogue: Catalogue, path: Path | None = None, lineno: int | None = None, index: CatalogueIndex | None = None
) -> list[Evidence]:
    """Check a line against the catalogue (CatalogueIndex, as every writer checks names); problems name the line."""
    index = index or CatalogueIndex.from_catalogue(catalogue)
    found, problems = index.problems(member=line.member, commitment=line.commitment)
    if found.commitment is not None:
        for key in line.dimension_keys():
            problems += index.problems(commitment=line.commitment, dimension=key)[1]
    if problems:
        raise InputError([Problem(p.message, path, lineno) for p in problems])
    assert found.member is not None and found.commitment is not None
    return [
        Evidence(found.member.key, found.commitment.number, EvidenceMark(key, line.strength, line.contradictory)) for key in line.dimension_keys()
    ]


def read_evidence_file(path: Path, catalogue: Catalogue) -> list[Evidence]:
    """Every line checked; all problems reported together, nothing partly read."""
    problems: list[Problem] = []
    evidence: list[Evidence] = []
    index = CatalogueIndex.from_catalogue(catalogue)
    try:
        for lineno, obj in read_jsonl(path):
            try:
                line = EvidenceLine.model_validate(obj)
                evidence.extend(resolve(line, catalogue, path, lineno, index))
            except ValidationError as exc:
                problems.extend(model_problems(exc, path, lineno))
            except InputError as exc:
                problems.extend(exc.problems)
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return evidence

"""Commitments edited in the web app: checking an edit, laying saved versions over the file.

A lead edits one commitment as YAML (the same text as in the catalogue file). An edit is
checked exactly as the file is (schema, references, the rule language), and each problem
becomes a message on the editor's field with the line of the text it is on. Saved versions
live in `commitment_version`; `with_edits` gives the catalogue file with the latest version
of each edited commitment in place, for everything that reads the catalogue.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from sqlmodel import Session, col, select

from triage.catalogue.load import _check_commitment
from triage.catalogue.schema import Catalogue, Commitment
from triage.errors import InputError, Problem
from triage.inputs import read_yaml, validate_yaml
from triage.models import CommitmentVersion

FIELD = "content"  # the editor's text area


def commitment_yaml(c: Commitment) -> str:
    body = c.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    body = {"number": c.number, "area": c.area, "title": c.title, **body}
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=110)


def _field_problem(p: Problem) -> Problem:
    where = f"line {p.line}: " if p.line else ""
    return Problem(f"{where}{p.message}", field=FIELD, line=p.line)


def check_edit(cat: Catalogue, number: int, text: str) -> Commitment:
    """The edited commitment, or InputError with every problem as a field message."""
    with tempfile.TemporaryDirectory(prefix="triage-edit-") as tmp:
        path = Path(tmp) / f"commitment-{number}.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            doc = read_yaml(path)
            c = validate_yaml(Commitment, doc)
        except InputError as exc:
            raise InputError([_field_problem(p) for p in exc.problems]) from None
    problems: list[Problem] = []
    if c.number != number:
        problems.append(Problem(f"the number is {number}: edit commitment {c.number} on its own page", field=FIELD, line=doc.line(["number"])))
    merged = cat.model_copy(deep=True)
    merged.commitments = [c if x.number == number else x for x in cat.commitments]
    numbers = {x.number for x in merged.commitments}
    problems += [_field_problem(p) for p in _check_commitment(merged, c, doc, [], numbers)]
    if problems:
        raise InputError(problems)
    return c


def changed_fields(before: Commitment | None, after: Commitment) -> list[str]:
    if before is None:
        return sorted(after.model_fields_set)
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    return [k for k in new if old.get(k) != new.get(k)]


def latest_versions(session: Session, catalogue_id: str) -> dict[int, CommitmentVersion]:
    rows = session.exec(
        select(CommitmentVersion)
        .where(CommitmentVersion.catalogue_id == catalogue_id)
        .order_by(col(CommitmentVersion.number), col(CommitmentVersion.version))
    )
    return {r.number: r for r in rows}  # the last of each number wins


def with_edits(session: Session, cat: Catalogue) -> Catalogue:
    """The catalogue with each edited commitment's latest saved version in place of the file's."""
    versions = latest_versions(session, cat.id)
    if not versions:
        return cat
    merged = cat.model_copy(deep=True)
    merged.commitments = [Commitment.model_validate(versions[c.number].content) if c.number in versions else c for c in cat.commitments]
    return merged

"""A lead saves an edited commitment: checked, versioned, audited, scores recomputed.

`save_commitment` refuses an edit with any problem (nothing is saved). An edit that would
change a member's suggested score where a final score has been set is not saved until the
lead confirms, having seen the changes; `preview` lists them. On save the version is added
to `commitment_version` (append-only), the commitment's rows are updated, and every member's
suggested score on it is recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, func, select

from triage.catalogue import load_catalogue
from triage.catalogue.edit import changed_fields, check_edit, with_edits
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.rules import EvidenceMark, evaluate, state_from_evidence
from triage.catalogue.schema import Catalogue, Commitment
from triage.catalogue.store import sync_commitment
from triage.errors import ConfigError, InputError
from triage.models import CommitmentVersion, DimensionRow, Score, User
from triage.policies import authorize
from triage.review.evidence import accepted_marks
from triage.review.scores import refresh_suggested
from triage.vocab import Permission, Strength


@dataclass
class ScoreShift:
    member: str
    before: int | None  # the suggested score now
    after: int | None  # the suggested score under the edit
    final: int | None  # the final score a lead set, if any


@dataclass
class SaveResult:
    commitment: Commitment
    saved: bool
    version: int | None = None
    changed: list[str] = field(default_factory=list)
    shifts: list[ScoreShift] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return not self.saved and any(s.final is not None for s in self.shifts)


def file_catalogue(session: Session, index: CatalogueIndex) -> Catalogue:
    """The catalogue as classification sees it: its file with the saved edits in place."""
    path = Path(index.catalogue.path)
    if not path.exists():
        raise ConfigError(f"the catalogue file {path} is not there any more: load it again with `triage catalogue load`")
    return with_edits(session, load_catalogue(path))


def preview(session: Session, index: CatalogueIndex, c: Commitment) -> list[ScoreShift]:
    """Members whose suggested score the edit changes."""
    row = index.commitment(c.number)
    if row is None or row.id is None:
        return []
    keys = {d.id: d.key for d in session.exec(select(DimensionRow).where(DimensionRow.commitment_id == row.id))}
    scores = {s.member_id: s for s in session.exec(select(Score).where(Score.commitment_id == row.id))}
    shifts = []
    for m in index.members:
        assert m.id is not None
        current = scores.get(m.id)
        after = None
        if c.complete and c.scoring is not None:
            marks = [
                EvidenceMark(keys[d], Strength(strength), contra)
                for d, strength, contra in accepted_marks(session, row.id, m.id)
                if keys.get(d) in c.dimension_keys
            ]
            after = evaluate(c.scoring.rule, state_from_evidence(c.dimension_keys, marks), index.scale).score
        before = current.suggested if current else None
        if before != after:
            shifts.append(ScoreShift(m.name, before, after, current.final if current else None))
    return shifts


def save_commitment(
    session: Session, index: CatalogueIndex, *, number: int, text: str, user: User, confirm: bool = False, note: str | None = None
) -> SaveResult:
    authorize(user, Permission.SCORE, "edit commitments")
    cat = file_catalogue(session, index)
    CatalogueIndex.from_catalogue(cat).resolve(commitment=number)
    c = check_edit(cat, number, text)
    before = cat.commitment(number)
    result = SaveResult(c, saved=False, changed=changed_fields(before, c), shifts=preview(session, index, c))
    if not result.changed:
        raise InputError("nothing changed")
    if result.needs_confirmation and not confirm:
        return result
    last = session.exec(
        select(func.max(CommitmentVersion.version)).where(CommitmentVersion.catalogue_id == cat.id, CommitmentVersion.number == number)
    ).one()
    version = (last or 0) + 1
    session.add(
        CommitmentVersion(
            catalogue_id=cat.id,
            number=number,
            version=version,
            content=c.model_dump(mode="json", exclude_none=True),
            changed=result.changed,
            user_id=user.id,
            note=note,
        )
    )
    sync_commitment(session, cat.id, c)
    fresh = CatalogueIndex.load(session, cat.id)
    row = fresh.commitment(number)
    assert row is not None and row.id is not None
    for m in fresh.members:
        assert m.id is not None
        refresh_suggested(session, fresh, commitment_id=row.id, member_id=m.id)
    result.saved, result.version = True, version
    return result

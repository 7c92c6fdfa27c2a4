"""Leads edit commitments: checked like the file, versioned, audited, scores recomputed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from tests.conftest import CATALOGUE
from tests.scores.conftest import C19_EVIDENCE
from triage import db
from triage.accounts import create_user
from triage.catalogue import load_catalogue
from triage.catalogue.draft import draft_commitment
from triage.catalogue.edit import commitment_yaml
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.store import sync_catalogue
from triage.errors import Forbidden, InputError
from triage.imports.evidence import import_evidence
from triage.models import CommitmentVersion, Score
from triage.review.commitments import save_commitment

DATA = Path(__file__).parent / "data"


def c7_text() -> str:
    return commitment_yaml(draft_commitment(DATA / "three-dimensions.txt", 7, load_catalogue(CATALOGUE)).commitment)


@pytest.fixture
def lead(loaded_db):
    with db.session_scope(loaded_db) as s:
        create_user(s, username="lea", role="lead", password="a-long-password-1")
        create_user(s, username="ana", role="analyst", password="a-long-password-2")
    return loaded_db


def _user(s, name):
    from triage.accounts import get_user

    return get_user(s, name)


def test_a_lead_completes_a_commitment(lead):
    with db.session_scope(lead) as s:
        result = save_commitment(s, CatalogueIndex.load(s), number=7, text=c7_text(), user=_user(s, "lea"), note="from the methodology")
        assert result.saved and result.version == 1
        assert {"dimensions", "scoring", "quote"} <= set(result.changed)
    with db.session_scope(lead) as s:
        index = CatalogueIndex.load(s)
        c7 = index.commitment(7)
        assert c7.complete and [d.key for d in index.dimensions_of(c7)] == ["coal", "renewables", "grids"]
        scores = s.exec(select(Score).where(Score.commitment_id == c7.id)).all()
        assert len(scores) == 8 and {x.suggested for x in scores} == {-1}  # recomputed on save: no evidence yet
        (version,) = s.exec(select(CommitmentVersion)).all()
        assert (version.number, version.version, version.note) == (7, 1, "from the methodology")
    # a reload of the catalogue file keeps the edit
    with db.session_scope(lead) as s:
        sync_catalogue(s, load_catalogue(CATALOGUE), CATALOGUE)
    with db.session_scope(lead) as s:
        assert CatalogueIndex.load(s).commitment(7).complete


def test_an_edit_that_breaks_the_rule_language_is_refused_and_nothing_saved(lead):
    broken = c7_text().replace("strong: all", "strong: 'most of them'", 1)
    line = next(i for i, x in enumerate(broken.splitlines(), 1) if "most of them" in x)
    with db.session_scope(lead) as s, pytest.raises(InputError) as exc:
        save_commitment(s, CatalogueIndex.load(s), number=7, text=broken, user=_user(s, "lea"))
    (problem,) = exc.value.problems
    assert problem.field == "content" and problem.message.startswith(f"line {line}: scoring.rule.levels.0.when.0.strong")
    with db.session_scope(lead) as s:
        assert s.exec(select(CommitmentVersion)).all() == [] and not CatalogueIndex.load(s).commitment(7).complete


def test_references_are_checked_like_the_file(lead):
    text = c7_text().replace("dimensions:", "exclusions:\n- {description: elsewhere, belongs_to: 42}\ndimensions:", 1)
    with db.session_scope(lead) as s, pytest.raises(InputError, match="exclusion refers to commitment 42"):
        save_commitment(s, CatalogueIndex.load(s), number=7, text=text, user=_user(s, "lea"))
    with db.session_scope(lead) as s, pytest.raises(Forbidden):
        save_commitment(s, CatalogueIndex.load(s), number=7, text=c7_text(), user=_user(s, "ana"))


def test_a_change_to_final_scores_is_shown_before_it_is_saved(lead):
    with db.session_scope(lead) as s:
        index = CatalogueIndex.load(s)
        import_evidence(s, index, path=C19_EVIDENCE, username="lea")
        canada = index.member("Canada")
        row = s.exec(select(Score).where(Score.commitment_id == index.commitment(19).id, Score.member_id == canada.id)).one()
        assert row.suggested == 0
        row.final = 0
        s.add(row)
    c19 = commitment_yaml(load_catalogue(CATALOGUE).commitment(19))
    lenient = c19.replace("strong: all", "strong: '>=2'", 1).replace("strong: 1..3", "strong: '1'", 1)
    with db.session_scope(lead) as s:
        result = save_commitment(s, CatalogueIndex.load(s), number=19, text=lenient, user=_user(s, "lea"))
        assert not result.saved and result.needs_confirmation
        shift = next(x for x in result.shifts if x.member == "Canada")
        assert (shift.before, shift.after, shift.final) == (0, 1, 0)
    with db.session_scope(lead) as s:
        assert s.exec(select(CommitmentVersion)).all() == []
        result = save_commitment(s, CatalogueIndex.load(s), number=19, text=lenient, user=_user(s, "lea"), confirm=True)
        assert result.saved
    with db.session_scope(lead) as s:
        index = CatalogueIndex.load(s)
        row = s.exec(select(Score).where(Score.commitment_id == index.commitment(19).id, Score.member_id == index.member("Canada").id)).one()
        assert (row.suggested, row.final) == (1, 0)

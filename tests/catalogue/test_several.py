"""Several catalogues active at once; generic rules for commitments nobody wrote rules for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import select

from tests.classify.helpers import SMUGGLING_TEXT, SMUGGLING_TITLE, add_items, assert_nothing_lost, draft
from tests.conftest import CATALOGUE
from triage import db
from triage.accounts import create_user
from triage.catalogue import load_catalogue
from triage.catalogue.draft import draft_commitment, merge, render
from triage.catalogue.index import CatalogueIndex
from triage.catalogue.store import sync_catalogue
from triage.classify.catalogues import active_catalogues
from triage.classify.service import classify_pending
from triage.config import Settings
from triage.export.report import whole_report
from triage.models import CommitmentRow, Score, Suggestion
from triage.review.decisions import decide
from triage.review.scores import refresh_all
from triage.vocab import DecisionAction

DATA = Path(__file__).parent / "data"
SECOND = "2030-example-final"
COAL_TITLE = "Canada adopts law to close coal power plants"
COAL_TEXT = (
    "The Government of Canada adopted a law that sets closure dates for coal plants, phasing out unabated coal "
    "in the power sector by 2030. Canadian police also arrested members of a migrant smuggling network."
)


def second_catalogue(tmp_path: Path) -> Path:
    """The second catalogue with commitment 7 completed by draft."""
    base = load_catalogue(DATA / f"{SECOND}.yaml")
    d = draft_commitment(DATA / "three-dimensions.txt", 7, base)
    out = tmp_path / f"{SECOND}.yaml"
    out.write_text(render(merge(base, d.commitment), d), encoding="utf-8")
    return out


def load_both(url: str, tmp_path: Path) -> None:
    second = second_catalogue(tmp_path)
    with db.session_scope(url) as s:
        sync_catalogue(s, load_catalogue(second), second)
    with db.session_scope(url) as s:
        sync_catalogue(s, load_catalogue(CATALOGUE), CATALOGUE)  # reloaded: the default catalogue


def by_catalogue(url: str) -> dict[str, list[tuple[int, Suggestion]]]:
    with db.session_scope(url) as s:
        rows = s.exec(select(Suggestion, CommitmentRow).join(CommitmentRow, CommitmentRow.id == Suggestion.commitment_id)).all()
        out: dict[str, list] = {}
        for sug, c in rows:
            out.setdefault(c.catalogue_id, []).append((c.number, sug))
        return out


def test_item_in_both_periods_gets_suggestions_for_both(migrated_db, tmp_path):
    load_both(migrated_db, tmp_path)
    both, only_first = add_items(
        migrated_db,
        draft(COAL_TITLE, COAL_TEXT, published_at=dt.datetime(2024, 12, 5, tzinfo=dt.UTC)),
        draft(COAL_TITLE, COAL_TEXT + " More.", published_at=dt.datetime(2024, 7, 5, tzinfo=dt.UTC)),
    )
    summary = classify_pending(Settings(), backend="rules")
    assert summary.failed == 0
    assert_nothing_lost(migrated_db)
    found = by_catalogue(migrated_db)
    first = {(n, s.item_id) for n, s in found["2024-apulia-interim"]}
    second = [(n, s) for n, s in found[SECOND]]
    assert (19, both) in first and (19, only_first) in first
    assert {(n, s.item_id) for n, s in second} == {(7, both)}  # July is outside the second catalogue's period
    assert all("@generic-" in s.agent for _, s in second)  # marked generic in the agent
    assert {s.strength for _, s in second} == {"strong"}
    assert all("@generic" not in s.agent for n, s in found["2024-apulia-interim"])


def test_scores_and_report_per_catalogue(migrated_db, tmp_path):
    load_both(migrated_db, tmp_path)
    add_items(migrated_db, draft(COAL_TITLE, COAL_TEXT, published_at=dt.datetime(2024, 12, 5, tzinfo=dt.UTC)))
    add_items(migrated_db, draft(SMUGGLING_TITLE, SMUGGLING_TEXT, publisher="Europol", published_at=dt.datetime(2024, 12, 6, tzinfo=dt.UTC)))
    classify_pending(Settings(), backend="rules")
    with db.session_scope(migrated_db) as s:
        lead = create_user(s, username="lead", role="lead", password="a-long-password-1")
        for sug in s.exec(select(Suggestion)).all():
            cid = s.get(CommitmentRow, sug.commitment_id).catalogue_id
            decide(s, CatalogueIndex.load(s, cid), suggestion_id=sug.id, user=lead, action=DecisionAction.ACCEPT, version=sug.version)
    with db.session_scope(migrated_db) as s:
        first, second = CatalogueIndex.load(s, "2024-apulia-interim"), CatalogueIndex.load(s, SECOND)
        refresh_all(s, first)
        refresh_all(s, second)
        first_report = whole_report(s, first, "md")
        second_report = whole_report(s, second, "md")
    assert "Decarbonizing the Power Sector" in second_report and "Preventing Migrant Smuggling" not in second_report
    assert COAL_TITLE in second_report and SMUGGLING_TITLE not in second_report
    assert "Preventing Migrant Smuggling" in first_report and "Decarbonizing the Power Sector (incomplete)" in first_report
    assert SMUGGLING_TITLE in first_report
    with db.session_scope(migrated_db) as s:
        second_ids = {c.id for c in CatalogueIndex.load(s, SECOND).commitments}
        scored = {(sc.commitment_id in second_ids, sc.suggested) for sc in s.exec(select(Score)).all() if sc.suggested is not None}
    assert (True, -1) in scored or (True, 0) in scored  # Canada on commitment 7: strong coal action only


def test_load_and_deactivate_from_the_command_line(migrated_db, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("TRIAGE_DATABASE_URL", migrated_db)
    second = second_catalogue(tmp_path)
    r = cli("catalogue", "load", second)
    assert r.code == 0 and f"loaded: {SECOND}: 8 members, 3 commitments (1 complete)" in r.out
    assert cli("catalogue", "load", CATALOGUE).code == 0
    with db.session_scope(migrated_db) as s:
        assert [c.id for c in active_catalogues(s)] == ["2024-apulia-interim", SECOND]
    assert cli("catalogue", "deactivate", SECOND).code == 0
    with db.session_scope(migrated_db) as s:
        assert [c.id for c in active_catalogues(s)] == ["2024-apulia-interim"]
    assert cli("catalogue", "deactivate", "nope").code == 2
